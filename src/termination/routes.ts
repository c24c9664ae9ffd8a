/**
 * /api/v1/operator/…: terminating a client, its deletion certificate, the terminations made
 * and the public key that checks certificates. Operator staff only.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { errorResponseSchema, HttpError } from '../http/errors.ts';
import * as s from './schemas.ts';
import { listTerminations } from './list-terminations.ts';
import { findDeletionCertificate, installationSigningKey, terminateClient, type IssuedCertificate } from './terminate-client.ts';

export const terminationRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['operator'];
  const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema };

  const signingKey = () => {
    const key = installationSigningKey(services);
    return { id: key.id, algorithm: key.algorithm, publicKeyPem: key.publicKeyPem };
  };
  const present = (issued: IssuedCertificate) => ({
    clientId: issued.clientId,
    clientName: issued.certificate.client.name,
    completedAt: issued.certificate.completedAt,
    certificate: issued.certificate as unknown as Record<string, unknown>,
    text: issued.text,
    signature: issued.signature,
    signingKey: signingKey(),
  });

  api.post(
    '/api/v1/operator/clients/:clientId/terminate',
    {
      schema: {
        tags,
        summary: "Terminate a client: destroy its keys at once, delete all its rows, jobs and audit chain, and issue a signed deletion certificate. Needs the client's name typed again and a complete export made after its last data change (or skipExportCheck).",
        params: s.clientParamsSchema,
        body: s.terminateBodySchema,
        response: { 200: s.deletionCertificateSchema, ...errors },
      },
    },
    async (request) => {
      const signedIn = await request.requireOperator();
      const result = await terminateClient(
        services,
        { via: 'api', userId: signedIn.user.id, label: signedIn.user.email },
        { clientId: request.params.clientId, confirmName: request.body.confirmName, skipExportCheck: request.body.skipExportCheck },
      );
      if (result.ok) return present(result.issued);
      switch (result.reason) {
        case 'not_found':
          throw new HttpError('not_found', 'There is no client with this id.');
        case 'name_mismatch':
          throw new HttpError('validation_failed', "The name typed does not match the client's name. Nothing was deleted.");
        case 'already_terminated':
          throw new HttpError('conflict', 'This client was terminated already; its deletion certificate is at …/deletion-certificate.');
        case 'export_required':
          throw new HttpError(
            'conflict',
            result.check.reason === 'no_export'
              ? 'Export the client first: there is no complete export of it. Nothing was deleted.'
              : `Export the client again: its data changed (${result.check.changedAt}) after the last export began (${result.check.exportedAt}). Nothing was deleted.`,
          );
      }
    },
  );

  api.get(
    '/api/v1/operator/clients/:clientId/deletion-certificate',
    { schema: { tags, summary: "A terminated client's signed deletion certificate", params: s.clientParamsSchema, response: { 200: s.deletionCertificateSchema, ...errors } } },
    async (request) => {
      await request.requireOperator();
      const issued = await findDeletionCertificate(services, request.params.clientId);
      if (!issued) throw new HttpError('not_found', 'This client has no deletion certificate: it was not terminated, or its termination has not finished.');
      return present(issued);
    },
  );

  api.get(
    '/api/v1/operator/terminations',
    { schema: { tags, summary: 'Clients terminated (or being terminated), newest first', response: { 200: z.array(s.terminationSummarySchema), ...errors } } },
    async (request) => {
      await request.requireOperator();
      return listTerminations(services.db);
    },
  );

  api.get(
    '/api/v1/operator/signing-key',
    { schema: { tags, summary: "The installation's public key that checks deletion certificates (Ed25519)", response: { 200: s.signingKeySchema, ...errors } } },
    async (request) => {
      await request.requireOperator();
      return signingKey();
    },
  );
};

/** Request and answer shapes of the termination routes. */
import { z } from 'zod';

export const clientParamsSchema = z.object({ clientId: z.string().uuid('must be a client id (a uuid)').describe('The client') });

export const terminateBodySchema = z
  .object({
    confirmName: z
      .string({ error: "type the client's name to confirm" })
      .trim()
      .min(1, "type the client's name to confirm")
      .max(200)
      .describe("The client's name, typed again: the guard against terminating the wrong client"),
    skipExportCheck: z
      .boolean()
      .default(false)
      .describe('Terminate without a complete export made after the last change to its data (recorded in the certificate)'),
  })
  .strict();

export const signingKeySchema = z.object({
  id: z.string().describe('Fingerprint of the public key: first 16 bytes of the SHA-256 of its SPKI DER, hex'),
  algorithm: z.literal('Ed25519'),
  publicKeyPem: z.string().describe('The public key (SPKI, PEM) that checks deletion certificates'),
});

export const deletionCertificateSchema = z.object({
  clientId: z.string().uuid(),
  clientName: z.string(),
  completedAt: z.string().datetime(),
  certificate: z.record(z.string(), z.unknown()).describe('The certificate, parsed from `text`'),
  text: z.string().describe('The certificate exactly as signed (UTF-8 JSON)'),
  signature: z.string().describe('Ed25519 signature of `text`, base64'),
  signingKey: signingKeySchema,
});

export const terminationSummarySchema = z.object({
  clientId: z.string().uuid(),
  clientName: z.string(),
  status: z.enum(['running', 'complete']),
  requestedBy: z.string(),
  startedAt: z.string().datetime(),
  completedAt: z.string().datetime().nullable(),
  totalRowsDeleted: z.number().int(),
});

/**
 * GET /privacy (the policy in force) and /privacy/v/:n (any version), server-rendered; and
 * /api/v1/operator/policy-versions, where operator staff list, read and publish versions.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../context.ts';
import { renderProblemPage, renderPublicPage } from '../../feedback/index.ts';
import { answerRateLimitedByIp, errorResponseSchema, HttpError } from '../../http/errors.ts';
import { MAX_POLICY_BYTES, checkPolicyString } from './policy-text.ts';
import { presentPolicyVersion, policyUrl } from './present.ts';
import { findCurrentPolicyVersion, findPolicyVersion, findPolicyVersionWithPublisher, listPolicyVersions } from './queries.ts';
import { renderPolicy } from './render.ts';
import * as s from './schemas.ts';
import { publishPolicy } from './service.ts';

export const policyRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { rateLimits } = services.config;
  const limitPages = app.rateLimit({
    max: rateLimits.pagePerIp,
    timeWindow: rateLimits.windowSeconds * 1000,
    groupId: 'privacy-policy-pages',
    errorResponseBuilder: answerRateLimitedByIp,
  });

  function problem(reply: FastifyReply, status: number, title: string, message: string) {
    return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderProblemPage(title, message));
  }

  async function showVersion(reply: FastifyReply, version: number | 'current') {
    const current = await findCurrentPolicyVersion(services.db);
    if (!current) return problem(reply, 503, 'Privacy policy', 'The privacy policy is being published. Please try again in a minute.');
    const shown = version === 'current' ? current : await findPolicyVersion(services.db, version);
    if (!shown) return problem(reply, 404, 'No such version', `There is no version ${version} of the privacy policy. The policy in force is at /privacy.`);
    const all = await services.db.selectFrom('policy_versions').select(['version', 'published_at']).orderBy('version', 'desc').execute();
    const title = shown.version === current.version ? 'Privacy policy' : `Privacy policy, version ${shown.version} (earlier version)`;
    return reply
      .code(200)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('etag', `"policy-${shown.version}-${current.version}"`)
      .send(renderPublicPage(title, renderPolicy(shown, current, all)));
  }

  api.get('/privacy', { schema: { hide: true }, preHandler: limitPages }, async (_request, reply) => showVersion(reply, 'current'));

  api.get('/privacy/v/:n', { schema: { hide: true, params: z.object({ n: z.string().max(40) }) }, preHandler: limitPages }, async (request, reply) => {
    const version = s.parseVersionNumber(request.params.n);
    if (version === null) return problem(reply, 400, 'Not a version number', 'Privacy policy versions are numbered 1, 2, 3 … Check the address, or read the policy in force at /privacy.');
    return showVersion(reply, version);
  });

  // ----- operator staff -----
  const tags = ['operator', 'privacy'];

  api.get(
    '/api/v1/operator/policy-versions',
    { schema: { tags, summary: 'Every published version of the privacy policy, newest (in force) first', response: { 200: z.array(s.policyVersionSummarySchema), 401: errorResponseSchema, 403: errorResponseSchema } } },
    async (request) => {
      await request.requireOperator();
      const rows = await listPolicyVersions(services.db);
      const current = rows[0]?.version ?? null;
      return rows.map((row) => presentPolicyVersion(row, current));
    },
  );

  api.get(
    '/api/v1/operator/policy-versions/:version',
    { schema: { tags, summary: 'One version of the privacy policy, with its text', params: s.policyVersionParamsSchema, response: { 200: s.policyVersionSchema, 400: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema } } },
    async (request) => {
      await request.requireOperator();
      const version = s.parseVersionNumber(request.params.version);
      if (version === null) throw new HttpError('validation_failed', 'A policy version is a whole number from 1.');
      const row = await findPolicyVersionWithPublisher(services.db, version);
      if (!row) throw new HttpError('not_found', `There is no version ${version} of the privacy policy.`);
      const current = (await findCurrentPolicyVersion(services.db))?.version ?? null;
      return { ...presentPolicyVersion(row, current), text: row.body };
    },
  );

  api.post(
    '/api/v1/operator/policy-versions',
    {
      // Room for a policy at the limit written as JSON; larger texts get our 413 below, larger bodies Fastify's.
      bodyLimit: MAX_POLICY_BYTES * 4,
      schema: {
        tags,
        summary: 'Publish a new version of the privacy policy; it governs all data held from now on',
        description: 'The text must be UTF-8, not empty, at most 256 KB. Refused text changes nothing (400, or 413 when too large).',
        body: s.publishPolicyBodySchema,
        response: { 201: s.publishedPolicySchema, 400: errorResponseSchema, 403: errorResponseSchema, 413: errorResponseSchema },
      },
    },
    async (request, reply) => {
      const { user } = await request.requireOperator();
      const result = await publishPolicy(services.db, { text: checkPolicyString(request.body.text), format: request.body.format, source: 'api', publishedBy: user.id });
      if (!result.ok) throw new HttpError(result.problem === 'too_large' ? 'body_too_large' : 'validation_failed', result.message);
      const { version, sha256, publishedAt } = result.policy;
      return reply.code(201).send({ version, sha256, publishedAt: publishedAt.toISOString(), url: policyUrl(version, version) });
    },
  );
};

/**
 * /api/v1/prize-draws…: the draws (with the live count of entrants), running one, a winner
 * found ineligible, telling the winners, and each programme's draw settings; and the public
 * pages /draws/:id (anyone can check a draw) and /draws/:id/entries.txt (its entry list).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { can, withAccess } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import { renderProblemPage, renderPublicPage } from '../feedback/index.ts';
import { answerRateLimitedByIp, errorResponseSchema, HttpError } from '../http/errors.ts';
import { html } from '../lib/html.ts';
import { findDrawWinners, findPublicDraw, listDraws, loadDrawSettings, notifyWinners, replaceIneligibleWinner, runDraw, saveDrawSettings } from './service.ts';

const periodSchema = z.enum(['week', 'month', 'quarter']);

const drawSchema = z.object({
  id: z.string().uuid(),
  programmeId: z.string().uuid(),
  programmeName: z.string(),
  period: periodSchema,
  periodName: z.string(),
  periodStart: z.string(),
  periodEnd: z.string(),
  prize: z.string(),
  winnersWanted: z.number().int(),
  status: z.enum(['open', 'drawn', 'purged']),
  commitment: z.string(),
  committedAt: z.string().datetime(),
  entrants: z.number().int(),
  closed: z.boolean(),
  drawnAt: z.string().datetime().nullable(),
  purgeOn: z.string().datetime().nullable(),
  publicUrl: z.string(),
});

const winnerSchema = z.object({
  round: z.number().int(),
  token: z.string(),
  status: z.enum(['selected', 'ineligible']),
  ineligibleReason: z.string().nullable(),
  notifiedAt: z.string().datetime().nullable(),
  notifiedBy: z.enum(['email', 'sms']).nullable(),
  contact: z.object({ name: z.string().nullable(), email: z.string().nullable(), mobile: z.string().nullable() }).nullable(),
});

const settingsSchema = z
  .object({
    period: periodSchema,
    winners: z.number().int().min(1, 'a draw has at least 1 winner').max(50, 'a draw has at most 50 winners'),
    purgeAfterDays: z.number().int().min(1, 'keep entrants’ details at least 1 day after the draw').max(365, 'keep entrants’ details at most 365 days after the draw'),
    prize: z.string().trim().max(200, 'describe the prize in at most 200 characters'),
  })
  .strict();

const drawParams = z.object({ drawId: z.string().uuid('that is not a draw id') });

export const prizeDrawRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['prize draws'];

  api.get('/api/v1/prize-draws', { schema: { tags, summary: 'Prize draws, newest period first, with the number of entrants (one per person)', response: { 200: z.array(drawSchema) } } }, async (request) => {
    const access = await request.requireAccess('feedback.read');
    return listDraws(services, access);
  });

  api.get(
    '/api/v1/prize-draws/:drawId/winners',
    { schema: { tags, summary: "A draw's winners by round; contact details for those who may see them, until the purge", params: drawParams, response: { 200: z.array(winnerSchema), 404: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('feedback.read');
      const winners = await findDrawWinners(services, access, request.params.drawId, can(access, 'contact.read') && can(access, 'settings.manage'));
      if (!winners) throw new HttpError('not_found', 'There is no such prize draw.');
      return winners;
    },
  );

  api.post(
    '/api/v1/prize-draws/:drawId/run',
    { schema: { tags, summary: 'Run a draw once its period has closed: freezes the entry list, reveals the seed, picks the winners', params: drawParams, response: { 200: z.object({ entrants: z.number().int(), winners: z.number().int() }), 404: errorResponseSchema, 409: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('settings.manage');
      const result = await runDraw(services, access, request.params.drawId);
      if (result.ok) return { entrants: result.entrants, winners: result.winners };
      if (result.reason === 'not_found') throw new HttpError('not_found', 'There is no such prize draw.');
      if (result.reason === 'not_closed') throw new HttpError('conflict', 'This draw’s period has not closed yet: it can be run from the day after its last day.');
      throw new HttpError('conflict', 'This draw has been run already; its winners stand (a winner found ineligible can be replaced).');
    },
  );

  api.post(
    '/api/v1/prize-draws/:drawId/winners/:round/ineligible',
    {
      schema: {
        tags,
        summary: 'Record a winner as ineligible, with the reason, and draw a replacement by the next round',
        params: z.object({ drawId: z.string().uuid('that is not a draw id'), round: z.coerce.number().int().min(1) }),
        body: z.object({ reason: z.string().trim().min(5, 'say why the winner is ineligible (at least 5 characters)').max(500) }).strict(),
        response: { 200: z.object({ replacement: z.string().nullable() }), 404: errorResponseSchema, 409: errorResponseSchema },
      },
    },
    async (request) => {
      const access = await request.requireAccess('settings.manage');
      const result = await replaceIneligibleWinner(services, access, request.params.drawId, request.params.round, request.body.reason);
      if (result.ok) return { replacement: result.replacement };
      if (result.reason === 'not_found') throw new HttpError('not_found', 'There is no such prize draw.');
      if (result.reason === 'not_drawn') throw new HttpError('conflict', 'This draw has not been run yet.');
      throw new HttpError('conflict', 'That round has no current winner (it was found ineligible already, or there is no such round).');
    },
  );

  api.post(
    '/api/v1/prize-draws/:drawId/notify',
    { schema: { tags, summary: 'Tell the winners not yet told, by email if they gave one, else by text', params: drawParams, response: { 200: z.object({ notified: z.number().int(), unreachable: z.number().int() }), 404: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('settings.manage');
      const result = await notifyWinners(services, access, request.params.drawId);
      if (!result) throw new HttpError('not_found', 'There is no drawn prize draw with that id.');
      return result;
    },
  );

  const programmeParams = z.object({ programmeId: z.string().uuid('that is not a programme id') });

  api.get(
    '/api/v1/prize-draws/settings/:programmeId',
    { schema: { tags, summary: "A programme's draw settings: period, number of winners, prize, days until entrants' details are purged", params: programmeParams, response: { 200: settingsSchema, 404: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('feedback.read');
      const settings = await withAccess(services.db, access, async (trx) => {
        const programme = await trx.selectFrom('programmes').select('id').where('client_id', '=', access.clientId).where('id', '=', request.params.programmeId).executeTakeFirst();
        return programme ? loadDrawSettings(trx, access.clientId, programme.id) : null;
      });
      if (!settings) throw new HttpError('not_found', 'There is no such programme.');
      return settings;
    },
  );

  api.put(
    '/api/v1/prize-draws/settings/:programmeId',
    { schema: { tags, summary: "Change a programme's draw settings (from the next period's draw on)", params: programmeParams, body: settingsSchema, response: { 200: settingsSchema, 404: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('settings.manage');
      if (!(await saveDrawSettings(services, access, request.params.programmeId, request.body))) throw new HttpError('not_found', 'There is no such programme.');
      return request.body;
    },
  );

  // ----- public: anyone can check a draw -----

  const limitPages = app.rateLimit({ max: services.config.rateLimits.pagePerIp, timeWindow: services.config.rateLimits.windowSeconds * 1000, groupId: 'pages-ip', errorResponseBuilder: answerRateLimitedByIp });
  const notFound = () => renderProblemPage('Draw not found', 'There is no prize draw at this address. Please check the link was copied in full.');
  const publicParams = z.object({ id: z.string() });
  const uuid = z.string().uuid();

  api.get('/draws/:id', { schema: { hide: true, params: publicParams }, preHandler: limitPages }, async (request, reply) => {
    reply.type('text/html; charset=utf-8');
    const draw = uuid.safeParse(request.params.id).success ? await findPublicDraw(services, request.params.id) : null;
    if (!draw) return reply.code(404).send(notFound());
    const title = `${draw.clientName}: prize draw, ${draw.periodName}`;
    const revealed = draw.seed
      ? html`<h2>Result</h2>
<dl>
<dt>Seed (revealed after the period closed)</dt><dd><code>${draw.seed}</code></dd>
<dt>Entrants (one per person)</dt><dd>${String(draw.entryCount ?? 0)} — <a href="/draws/${draw.id}/entries.txt">the entry list, in order</a></dd>
<dt>SHA-256 of the entry list</dt><dd><code>${draw.entriesHash ?? ''}</code></dd>
</dl>
<h2>Winners</h2>
${draw.winners.length ? html`<ol>${draw.winners.map((w) => html`<li>Round ${String(w.round)}: <code>${w.token}</code>${w.status === 'ineligible' ? ' (found ineligible; the next round drew again)' : ''}</li>`)}</ol>` : html`<p>Nobody entered this draw.</p>`}
<p>Each entrant can find their own token: it is the first 32 hexadecimal digits of SHA-256("hark-prize-draw:${draw.id}:" followed by their key). Check the whole draw with <code>hark draw verify ${draw.id}</code>, or by the steps below.</p>`
      : html`<p>This draw is open. When its period closes the seed above is revealed with the entry list, and anyone can check the winners.</p>`;
    const body = html`<h1>${draw.clientName}: prize draw</h1>
<p>${draw.programmeName} · ${draw.periodName}${draw.prize ? html` · ${draw.prize}` : ''}</p>
<h2>Commitment</h2>
<p>Published ${draw.committedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, before the period closed: SHA-256 of the secret seed.</p>
<p><code>${draw.commitment}</code></p>
${revealed}
<h2>How the winners follow</h2>
<ol>
<li>SHA-256 of the seed must equal the commitment.</li>
<li>The entry list is the tokens sorted in ascending order; its hash is SHA-256 of the tokens joined by line feeds.</li>
<li>Round r picks from the n entrants not picked before, in list order: for attempt a = 0, 1, …, take x = the first 8 bytes (big-endian) of HMAC-SHA256 with the seed as key over "&lt;entry list hash in hex&gt;:r:a"; if x &lt; 2<sup>64</sup> − (2<sup>64</sup> mod n), the pick is x mod n.</li>
</ol>`;
    return reply.header('cache-control', 'no-cache').send(renderPublicPage(title, body));
  });

  api.get('/draws/:id/entries.txt', { schema: { hide: true, params: publicParams }, preHandler: limitPages }, async (request, reply) => {
    const draw = uuid.safeParse(request.params.id).success ? await findPublicDraw(services, request.params.id) : null;
    if (!draw) return reply.code(404).type('text/html; charset=utf-8').send(notFound());
    if (!draw.seed) return reply.code(409).type('text/plain; charset=utf-8').send('This draw is still open: its entry list is published when its period closes.\n');
    return reply.type('text/plain; charset=utf-8').send(draw.tokens.map((t) => `${t}\n`).join(''));
  });
};

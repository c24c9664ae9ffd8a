/**
 * Walks every route of the JSON API, as listed in the OpenAPI document (so a new route is
 * walked without anyone remembering to add it), with:
 *  - another client's owner, aimed at this client's ids: every route answers 404 and
 *    nothing of this client changes (a checksum of every tenant table's rows);
 *  - a manager of this client scoped to one location, aimed at a feedback, location and
 *    staff member outside that scope: 404 (or 403 where the role may not act at all).
 * A route whose path names an id this walk does not know fails the test until it is taught.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, type PortalClient } from '../helpers/portal.ts';
import { waitForDayFigures } from '../helpers/rollups.ts';

interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
}

/** Routes about the caller's own account or the whole installation: walked elsewhere. */
const notTenantRoutes = /^\/api\/v1\/(auth|operator)\//;

/** Every tenant table and its client column, for the checksum. */
const tenantTables = [
  ['clients', 'id'],
  ['programmes', 'client_id'],
  ['locations', 'client_id'],
  ['sub_measures', 'client_id'],
  ['receipt_codes', 'client_id'],
  ['end_customers', 'client_id'],
  ['feedback', 'client_id'],
  ['consents', 'client_id'],
  ['prize_entries', 'client_id'],
  ['memberships', 'client_id'],
  ['invitations', 'client_id'],
  ['responses', 'client_id'],
  ['response_templates', 'client_id'],
  ['sms_recipients', 'client_id'],
  ['sms_conversations', 'client_id'],
  ['sms_messages', 'client_id'],
  ['alert_rules', 'client_id'],
  ['cases', 'client_id'],
  ['alerts', 'client_id'],
  ['client_benchmark_profiles', 'client_id'],
  ['comment_themes', 'client_id'],
  ['comment_analysis', 'client_id'],
  ['comment_terms', 'client_id'],
  ['comment_term_daily', 'client_id'],
  ['comment_theme_daily', 'client_id'],
  ['monthly_report_subscriptions', 'client_id'],
  ['monthly_report_sends', 'client_id'],
  ['api_keys', 'client_id'],
  ['api_idempotency', 'client_id'],
  ['email_invitations', 'client_id'],
  ['webhook_endpoints', 'client_id'],
  ['webhook_deliveries', 'client_id'],
  ['webhook_delivery_attempts', 'client_id'],
] as const;

describe(`every API route against another client and out-of-scope locations (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let a: TestClient;
  let b: TestClient;
  let routes: Route[];
  const ids: Record<string, string> = {};
  let outsider: PortalClient;

  async function checksum(clientId: string): Promise<Record<string, string>> {
    const sums: Record<string, string> = {};
    for (const [table, column] of tenantTables) {
      const { rows } = await sql<{ sum: string | null; n: number }>`
        select md5(string_agg(t::text, '|' order by t::text)) as sum, count(*)::int as n
        from ${sql.table(table)} t where ${sql.ref(`t.${column}`)} = ${clientId}::uuid`.execute(hark.services.db);
      sums[table] = `${rows[0]?.n}:${rows[0]?.sum}`;
    }
    return sums;
  }

  /** Bodies valid in shape, so a 404 proves the handler looked and found nothing. */
  function bodyFor(route: Route): unknown {
    const key = `${route.method} ${route.path}`;
    const bodies: Record<string, unknown> = {
      'PATCH /api/v1/feedback/{feedbackId}': { status: 'resolved' },
      'POST /api/v1/feedback/{feedbackId}/responses': { kind: 'note', body: 'planted by another client' },
      'PATCH /api/v1/response-templates/{templateId}': { name: 'planted' },
      'POST /api/v1/response-templates': { name: 'planted', scoreBand: 'any', subject: 'x', body: 'x' },
      'PATCH /api/v1/team/members/{userId}': { role: 'viewer' },
      'POST /api/v1/team/invitations': { email: 'planted@example.com', role: 'manager', locationScope: [ids.locationId] },
      'PATCH /api/v1/programmes/{programmeId}': { name: 'planted' },
      'POST /api/v1/programmes': { name: 'planted', scale: 'nps_10', leadQuestion: 'x?', followUpQuestion: 'y?' },
      'POST /api/v1/locations': { name: 'planted', code: 'planted-walk', programmeId: ids.programmeId, parentId: ids.locationId },
      'PATCH /api/v1/locations/{locationId}': { name: 'planted' },
      'POST /api/v1/locations/{locationId}/sub-measures': { name: 'planted', code: 'planted' },
      'PATCH /api/v1/sub-measures/{subMeasureId}': { name: 'planted' },
      'PATCH /api/v1/client': { name: 'planted' },
      'POST /api/v1/sms/invitations': { mobile: '+64215550199', locationId: ids.locationId },
      'POST /api/v1/sms/invitations/csv': { csv: `name,mobile,location\nx,+64215550198,${ids.locationCode}` },
      'POST /api/v1/alert-rules': { name: 'planted', conditions: { lowBand: true }, locationIds: [ids.locationId] },
      'PUT /api/v1/alert-rules/{ruleId}': { name: 'planted', conditions: { lowBand: true } },
      'PATCH /api/v1/cases/{caseId}': { status: 'in_progress' },
      'POST /api/v1/cases/{caseId}/resolve': { resolutionCode: 'fixed', note: 'planted' },
      'POST /api/v1/feedback/{feedbackId}/case': {},
      'PUT /api/v1/benchmarks/profile': { industry: 'retail', region: 'otago', contributes: false },
      'POST /api/v1/themes': { name: 'Planted', keywords: ['planted'] },
      'PUT /api/v1/themes/{themeId}': { name: 'Planted', keywords: ['planted'] },
      'PUT /api/v1/prize-draws/settings/{programmeId}': { period: 'week', winners: 3, purgeAfterDays: 9, prize: 'planted' },
      'POST /api/v1/prize-draws/{drawId}/winners/{round}/ineligible': { reason: 'planted reason' },
      'POST /api/v1/api-keys': { name: 'planted', scopes: ['feedback:read'], locationIds: [ids.locationId] },
      'POST /api/v1/feedback': { locationId: ids.locationId, score: 1 },
      'POST /api/v1/webhooks/endpoints': { url: 'https://hooks.example.com/planted', events: ['feedback.created'] },
      'PATCH /api/v1/webhooks/endpoints/{endpointId}': { enabled: true },
      'POST /api/v1/invitations/email': { email: 'planted@example.com', locationId: ids.locationId },
      'POST /api/v1/invitations': { email: 'planted@example.com', mobile: '+64215550197', locationId: ids.locationId },
    };
    if (key in bodies) return bodies[key];
    return route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
  }

  function fill(path: string): string {
    return path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const id = ids[name];
      if (!id) throw new Error(`the walk does not know the path parameter {${name}} of ${path}: add it to ids in this test`);
      return id;
    });
  }

  beforeAll(async () => {
    hark = await startTestHark();
    a = await createTestClient(hark.services, { name: 'Walked Café' });
    b = await createTestClient(hark.services, { name: 'Walking Café' });
    await giveFeedback(hark, `/f/${a.location.code}`, { score: '1', comment: 'secret complaint of A', name: 'Ana', email: 'ana@example.com' });
    await giveFeedback(hark, `/f/${a.otherLocation.code}`, { score: '5', comment: 'praise at the other location of A' });
    await giveFeedback(hark, `/f/${b.location.code}`, { score: '4', comment: 'B’s own feedback' });
    await waitForDayFigures(hark.services);
    const aAdmin = await signIn(hark, await createTestUser(hark.services, a.clientId, 'admin'));
    const aManager = await createTestUser(hark.services, a.clientId, 'manager', { locationScope: [a.otherLocation.id] });
    await aAdmin.post('/api/v1/team/invitations', { email: 'invitee@example.com', role: 'viewer', locationScope: null });
    const feedback = await hark.services.db.selectFrom('feedback').select(['id', 'location_id']).where('client_id', '=', a.clientId).execute();
    const team = await aAdmin.get<{ invitations: { id: string }[] }>('/api/v1/team');
    const template = await hark.services.db.selectFrom('response_templates').select('id').where('client_id', '=', a.clientId).executeTakeFirstOrThrow();
    const rule = await hark.services.db.selectFrom('alert_rules').select('id').where('client_id', '=', a.clientId).executeTakeFirstOrThrow();
    const openCase = await hark.services.db.selectFrom('cases').select('id').where('client_id', '=', a.clientId).executeTakeFirstOrThrow();
    await sql`update programmes set prize_draw_enabled = true, prize_draw_terms_url = 'https://example.com/terms' where id = ${a.programmeId}`.execute(hark.services.db);
    await aAdmin.get('/api/v1/prize-draws');
    const draw = await hark.services.db.selectFrom('prize_draws').select('id').where('client_id', '=', a.clientId).executeTakeFirstOrThrow();
    const theme = await hark.services.db.selectFrom('comment_themes').select('id').where('client_id', '=', a.clientId).executeTakeFirstOrThrow();
    const apiKey = await aAdmin.post<{ apiKey: { id: string } }>('/api/v1/api-keys', { name: 'Walked key', scopes: ['feedback:read'] });
    const endpoint = await aAdmin.post<{ endpoint: { id: string } }>('/api/v1/webhooks/endpoints', { url: 'https://hooks.example.com/walked', events: ['feedback.created'] });
    // Held (disabled), so that no delivery attempt changes A's rows while the walk runs.
    await sql`update webhook_endpoints set enabled = false where id = ${endpoint.body.endpoint.id}`.execute(hark.services.db);
    const delivery = await hark.services.db
      .insertInto('webhook_deliveries')
      .values({ client_id: a.clientId, endpoint_id: endpoint.body.endpoint.id, event_type: 'feedback.created', message_id: 'msg_walked', payload: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    Object.assign(ids, {
      feedbackId: feedback.find((f) => f.location_id === a.location.id)?.id,
      locationId: a.location.id,
      subMeasureId: a.subMeasure.id,
      programmeId: a.programmeId,
      templateId: template.id,
      userId: aManager.id,
      invitationId: team.body.invitations[0]?.id,
      clientId: a.clientId,
      locationCode: a.location.code,
      ruleId: rule.id,
      caseId: openCase.id,
      themeId: theme.id,
      drawId: draw.id,
      round: '1',
      apiKeyId: apiKey.body.apiKey.id,
      endpointId: endpoint.body.endpoint.id,
      deliveryId: delivery.id,
    });
    outsider = await signIn(hark, await createTestUser(hark.services, b.clientId, 'owner'));
    const doc = (await (await hark.fetch('/api/v1/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/') && !notTenantRoutes.test(path))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase() as Route['method'], path })));
  });
  afterAll(() => hark?.close());

  it('finds the routes to walk in the OpenAPI document', () => {
    expect(routes.length).toBeGreaterThan(15);
    expect(routes).toContainEqual({ method: 'GET', path: '/api/v1/feedback/{feedbackId}' });
  });

  it('shows another client nothing of this one, and lets it change nothing', async () => {
    const before = await checksum(a.clientId);
    const secrets = [a.clientId, ids.feedbackId, a.location.id, a.otherLocation.id, a.subMeasure.id, 'secret complaint of A', 'ana@example.com', 'Walked Café'];
    const problems: string[] = [];
    for (const route of routes) {
      const response = await outsider.request(route.method, fill(route.path), bodyFor(route));
      const text = JSON.stringify(response.body);
      const leaked = secrets.filter((s): s is string => Boolean(s) && text.includes(s as string));
      if (leaked.length) problems.push(`${route.method} ${route.path} → ${response.status} shows ${leaked.join(', ')}`);
      if (route.path.includes('{') && response.status !== 404) problems.push(`${route.method} ${route.path} → ${response.status}, expected 404`);
      if (!route.path.includes('{') && route.method !== 'GET' && response.status < 400 && JSON.stringify(bodyFor(route) ?? {}).includes(a.location.id)) {
        problems.push(`${route.method} ${route.path} → ${response.status} accepted another client's location id`);
      }
    }
    expect(problems).toEqual([]);
    expect(await checksum(a.clientId)).toEqual(before);
  });

  it('keeps a manager to their own locations', async () => {
    const manager = await signIn(hark, { id: ids.userId ?? '', email: (await hark.services.db.selectFrom('users').select('email').where('id', '=', ids.userId ?? '').executeTakeFirstOrThrow()).email, password: 'correct horse battery staple' });
    const before = await checksum(a.clientId);
    const problems: string[] = [];
    // Aimed at the feedback, location and staff member outside the manager's scope.
    for (const route of routes.filter((r) => /\{(feedbackId|locationId|subMeasureId|caseId)\}/.test(r.path))) {
      const response = await manager.request(route.method, fill(route.path), bodyFor(route));
      if (![403, 404].includes(response.status)) problems.push(`${route.method} ${route.path} → ${response.status}`);
      if (JSON.stringify(response.body).includes('secret complaint of A')) problems.push(`${route.method} ${route.path} shows out-of-scope feedback`);
    }
    for (const route of routes.filter((r) => r.method === 'GET' && !r.path.includes('{'))) {
      const response = await manager.request('GET', route.path);
      const text = JSON.stringify(response.body);
      if (text.includes('secret complaint of A') || text.includes(a.location.id)) problems.push(`GET ${route.path} shows out-of-scope data`);
    }
    expect(problems).toEqual([]);
    expect(await checksum(a.clientId)).toEqual(before);
  });
});

/**
 * The settings API over real HTTP, signed in as the client's personnel: programmes,
 * locations and sub-measures as an admin lists and changes them, every refusal with its
 * message and nothing changed, and what other clients' ids, location scope, roles and a
 * missing CSRF token can reach (nothing).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, uniqueCode, type TestClient } from '../../test/helpers/factories.ts';
import { giveFeedback, openForm } from '../../test/helpers/form.ts';
import { startTestHark, type TestHark } from '../../test/helpers/hark.ts';
import { addMembership, createUser } from '../accounts/index.ts';
import { listAuditEntries } from '../audit/index.ts';
import type { MembershipRole } from '../db/schema.ts';
import { withClient, type ClientId } from '../db/tenancy.ts';
import type { LocationView, ProgrammeView, SubMeasureView } from './schemas.ts';

let hark: TestHark;

beforeAll(async () => {
  hark = await startTestHark({ env: { HARK_LOGIN_LIMIT_PER_IP: '1000' } });
});
afterAll(() => hark?.close());

interface ErrorBody {
  error: { code: string; message: string };
}

interface Answer<T> {
  status: number;
  body: T;
}

interface Api {
  get<T>(path: string): Promise<Answer<T>>;
  post<T>(path: string, body: unknown, options?: { csrf?: boolean }): Promise<Answer<T>>;
  patch<T>(path: string, body: unknown, options?: { csrf?: boolean }): Promise<Answer<T>>;
}

/** Makes a person with a role in the client, signs them in, and returns their API. */
async function signIn(clientId: ClientId, role: MembershipRole, locationScope: string[] | null = null): Promise<Api> {
  const email = `${role}-${randomBytes(4).toString('hex')}@example.com`;
  const password = `correct horse ${randomBytes(6).toString('hex')}`;
  const userId = await createUser(hark.services.db, { email, name: `A ${role}`, password });
  await addMembership(hark.services.db, { clientId, userId, role, locationScope });
  const login = await hark.fetch('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(login.status).toBe(200);
  const session = (await login.json()) as { csrfToken: string; activeClientId: string };
  expect(session.activeClientId).toBe(clientId);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .filter((c) => c.startsWith('hark_session='))
    .join('; ');
  expect(cookie).not.toBe('');

  async function call<T>(method: string, path: string, body: unknown, csrf: boolean): Promise<Answer<T>> {
    const headers: Record<string, string> = { cookie };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (csrf && method !== 'GET') headers['x-csrf-token'] = session.csrfToken;
    const response = await hark.fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: response.status, body: (await response.json()) as T };
  }
  return {
    get: (path) => call('GET', path, undefined, true),
    post: (path, body, options) => call('POST', path, body, options?.csrf ?? true),
    patch: (path, body, options) => call('PATCH', path, body, options?.csrf ?? true),
  };
}

function programmesOf(clientId: ClientId) {
  return withClient(hark.services.db, clientId, (trx) => trx.selectFrom('programmes').selectAll().where('client_id', '=', clientId).orderBy('id').execute());
}
function locationsOf(clientId: ClientId) {
  return withClient(hark.services.db, clientId, (trx) => trx.selectFrom('locations').selectAll().where('client_id', '=', clientId).orderBy('id').execute());
}
function subMeasuresOf(clientId: ClientId) {
  return withClient(hark.services.db, clientId, (trx) => trx.selectFrom('sub_measures').selectAll().where('client_id', '=', clientId).orderBy('id').execute());
}
/** Everything of a client's settings, to show that a refused request changed nothing. */
async function settingsOf(clientId: ClientId) {
  return { programmes: await programmesOf(clientId), locations: await locationsOf(clientId), subMeasures: await subMeasuresOf(clientId) };
}
async function auditOf(clientId: ClientId) {
  return (await listAuditEntries(hark.services.db, clientId, 1000)).reverse();
}
async function auditActionsOf(clientId: ClientId): Promise<string[]> {
  return (await auditOf(clientId)).map((e) => e.action);
}

async function pageStatus(path: string): Promise<number> {
  const response = await hark.fetch(path);
  await response.arrayBuffer();
  return response.status;
}

function expectError(answer: Answer<unknown>, status: number, code: string, message: string | RegExp) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  const { error } = answer.body as ErrorBody;
  expect(error.code).toBe(code);
  if (typeof message === 'string') expect(error.message).toContain(message);
  else expect(error.message).toMatch(message);
}

describe('programmes', () => {
  it('lists the programmes with their wording, prize draw and feedback count', async () => {
    const client = await createTestClient(hark.services, { prizeDraw: true });
    expect((await giveFeedback(hark, `/f/${client.location.code}`, { score: '4', comment: 'Good coffee' })).status).toBe(200);
    const viewer = await signIn(client.clientId, 'viewer');
    const { status, body } = await viewer.get<ProgrammeView[]>('/api/v1/programmes');
    expect(status).toBe(200);
    expect(body).toEqual([
      {
        id: client.programmeId,
        name: 'Feedback',
        scale: 'recommend_5',
        leadQuestion: 'How likely are you to recommend us to a friend?',
        followUpQuestion: 'What is the main reason for your score?',
        introText: '',
        thankYouTitle: 'Cheers for that',
        thankYouText: 'The team reads every comment.',
        prizeDraw: { enabled: true, description: 'Win a $50 voucher', termsUrl: 'https://example.com/terms' },
        privacyPolicyUrl: null,
        retentionMonths: 36,
        feedbackCount: 1,
      },
    ]);
  });

  it('lets an admin change the wording, links and retention; the page shows it and the audit log names the fields', async () => {
    const client = await createTestClient(hark.services);
    const admin = await signIn(client.clientId, 'admin');
    // Seen once before the change, so a cached copy of the page would show the old wording.
    expect((await openForm(hark, `/f/${client.location.code}`)).html).toContain('What is the main reason for your score?');

    const { status, body } = await admin.patch<ProgrammeView>(`/api/v1/programmes/${client.programmeId}`, {
      followUpQuestion: 'What should we keep doing?',
      introText: 'Two quick questions.',
      thankYouTitle: 'Ngā mihi',
      prizeDraw: { enabled: true, description: 'Win a hamper', termsUrl: 'https://example.com/hamper-terms' },
      privacyPolicyUrl: 'https://example.com/our-privacy',
      retentionMonths: 12,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      followUpQuestion: 'What should we keep doing?',
      introText: 'Two quick questions.',
      thankYouTitle: 'Ngā mihi',
      prizeDraw: { enabled: true, description: 'Win a hamper', termsUrl: 'https://example.com/hamper-terms' },
      privacyPolicyUrl: 'https://example.com/our-privacy',
      retentionMonths: 12,
      scale: 'recommend_5',
    });
    const [row] = await programmesOf(client.clientId);
    expect(row).toMatchObject({
      follow_up_question: 'What should we keep doing?',
      intro_text: 'Two quick questions.',
      prize_draw_enabled: true,
      prize_draw_terms_url: 'https://example.com/hamper-terms',
      privacy_policy_url: 'https://example.com/our-privacy',
      retention_months: 12,
    });
    const page = await openForm(hark, `/f/${client.location.code}`);
    expect(page.html).toContain('What should we keep doing?');
    expect(page.html).toContain('Win a hamper');

    const entry = (await auditOf(client.clientId)).find((e) => e.action === 'programme.updated');
    expect(entry?.subject_id).toBe(client.programmeId);
    expect(entry?.details).toEqual({
      fields: 'followUpQuestion,introText,thankYouTitle,prizeDraw.enabled,prizeDraw.description,prizeDraw.termsUrl,privacyPolicyUrl,retentionMonths',
    });
    expect(JSON.stringify(entry?.details)).not.toContain('hamper');

    // Sending the same values again changes nothing and records nothing.
    const again = await admin.patch<ProgrammeView>(`/api/v1/programmes/${client.programmeId}`, { retentionMonths: 12 });
    expect(again.status).toBe(200);
    expect((await auditActionsOf(client.clientId)).filter((a) => a === 'programme.updated')).toHaveLength(1);
  });

  it('refuses bad values with a message that names the problem, and changes nothing', async () => {
    const client = await createTestClient(hark.services);
    const admin = await signIn(client.clientId, 'admin');
    const before = await settingsOf(client.clientId);
    const cases: Array<[unknown, string]> = [
      [{ retentionMonths: 0 }, 'keep feedback for 1 to 240 months'],
      [{ retentionMonths: 241 }, 'keep feedback for 1 to 240 months'],
      [{ retentionMonths: 1.5 }, 'whole number of months'],
      [{ privacyPolicyUrl: 'javascript:alert(1)' }, 'the privacy-policy link must be a web address starting with https:// or http://'],
      [{ privacyPolicyUrl: 'example.com/privacy' }, 'the privacy-policy link must be a web address'],
      [{ prizeDraw: { termsUrl: 'ftp://example.com/terms' } }, 'the terms link must be a web address'],
      [{ prizeDraw: { enabled: true } }, 'A prize draw needs a terms link (prizeDraw.termsUrl)'],
      [{ prizeDraw: { enabled: true, termsUrl: null } }, 'prizeDraw.termsUrl'],
      [{ leadQuestion: '   ' }, 'the lead question is required'],
      [{ followUpQuestion: 'x'.repeat(301) }, 'the follow-up question must be at most 300 characters'],
      [{ name: '' }, 'give the programme a name'],
      [{ thankYouTitle: '' }, 'the thank-you title is required'],
      [{ scale: 'out_of_ten' }, '/scale'],
    ];
    for (const [patch, message] of cases) {
      const answer = await admin.patch(`/api/v1/programmes/${client.programmeId}`, patch);
      expectError(answer, 400, 'validation_failed', message);
    }
    expect(await settingsOf(client.clientId)).toEqual(before);
    expect(await auditActionsOf(client.clientId)).not.toContain('programme.updated');
  });

  it('keeps an enabled prize draw with its terms link: removing the link alone is refused', async () => {
    const client = await createTestClient(hark.services, { prizeDraw: true });
    const admin = await signIn(client.clientId, 'admin');
    const refused = await admin.patch(`/api/v1/programmes/${client.programmeId}`, { prizeDraw: { termsUrl: null } });
    expectError(refused, 400, 'validation_failed', 'prizeDraw.termsUrl');
    const turnedOff = await admin.patch<ProgrammeView>(`/api/v1/programmes/${client.programmeId}`, { prizeDraw: { enabled: false, termsUrl: null } });
    expect(turnedOff.status).toBe(200);
    expect(turnedOff.body.prizeDraw).toEqual({ enabled: false, description: 'Win a $50 voucher', termsUrl: null });
  });

  it('changes the scale until the programme has feedback, then refuses with the reason', async () => {
    const client = await createTestClient(hark.services);
    const admin = await signIn(client.clientId, 'admin');
    const changed = await admin.patch<ProgrammeView>(`/api/v1/programmes/${client.programmeId}`, { scale: 'nps_10' });
    expect(changed.status).toBe(200);
    expect(changed.body.scale).toBe('nps_10');
    expect((await openForm(hark, `/f/${client.location.code}`)).html).toContain('name="score" value="10"');

    expect((await giveFeedback(hark, `/f/${client.location.code}`, { score: '9' })).status).toBe(200);
    const before = await settingsOf(client.clientId);
    const refused = await admin.patch(`/api/v1/programmes/${client.programmeId}`, { scale: 'stars_5', name: 'Stars' });
    expectError(refused, 409, 'conflict', 'The scale cannot be changed once the programme has feedback');
    expect(await settingsOf(client.clientId)).toEqual(before);
    // Naming the scale it already has is no change, so it is accepted.
    const same = await admin.patch<ProgrammeView>(`/api/v1/programmes/${client.programmeId}`, { scale: 'nps_10', name: 'NPS' });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ name: 'NPS', scale: 'nps_10', feedbackCount: 1 });
  });

  it('adds a programme, and refuses one with a prize draw but no terms link', async () => {
    const client = await createTestClient(hark.services);
    const admin = await signIn(client.clientId, 'admin');
    const created = await admin.post<ProgrammeView>('/api/v1/programmes', {
      name: 'Online orders',
      scale: 'csat_5',
      leadQuestion: 'How satisfied are you with your order?',
      followUpQuestion: 'What could we do better?',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Online orders',
      scale: 'csat_5',
      thankYouTitle: 'Thank you',
      prizeDraw: { enabled: false, termsUrl: null },
      retentionMonths: 36,
      feedbackCount: 0,
    });
    const list = await admin.get<ProgrammeView[]>('/api/v1/programmes');
    expect(list.body.map((p) => p.name)).toEqual(['Feedback', 'Online orders']);
    expect(await auditActionsOf(client.clientId)).toContain('programme.created');

    const refused = await admin.post('/api/v1/programmes', {
      name: 'Draw',
      scale: 'stars_5',
      leadQuestion: 'Rate us',
      followUpQuestion: 'Why?',
      prizeDraw: { enabled: true, description: 'A car' },
    });
    expectError(refused, 400, 'validation_failed', 'prizeDraw.termsUrl');
    const missing = await admin.post('/api/v1/programmes', { name: 'Half' });
    expectError(missing, 400, 'validation_failed', '/scale');
    expect(await programmesOf(client.clientId)).toHaveLength(2);
  });
});

describe('locations and sub-measures', () => {
  it('lists locations in tree order with their links, QR codes, SMS codes and sub-measures', async () => {
    const client = await createTestClient(hark.services);
    const admin = await signIn(client.clientId, 'admin');
    const { status, body } = await admin.get<LocationView[]>('/api/v1/locations');
    expect(status).toBe(200);
    expect(body.map((l) => [l.name, l.depth])).toEqual([
      ['North region', 0],
      ['Harbour', 1],
      ['Main Street', 1],
    ]);
    const main = body.find((l) => l.id === client.location.id);
    const base = hark.services.publicUrl;
    expect(main).toEqual({
      id: client.location.id,
      name: 'Main Street',
      code: client.location.code,
      parentId: body[0]?.id,
      depth: 1,
      smsCode: null,
      archived: false,
      programmeId: client.programmeId,
      feedbackUrl: `${base}/f/${client.location.code}`,
      qrSvgUrl: `${base}/f/${client.location.code}/qr.svg`,
      qrPngUrl: `${base}/f/${client.location.code}/qr.png`,
      subMeasures: [
        {
          id: client.subMeasure.id,
          locationId: client.location.id,
          name: 'Kiri',
          code: 'kiri',
          archived: false,
          feedbackUrl: `${base}/f/${client.location.code}/kiri`,
          qrSvgUrl: `${base}/f/${client.location.code}/kiri/qr.svg`,
          qrPngUrl: `${base}/f/${client.location.code}/kiri/qr.png`,
        },
      ],
    });
    // The links work: the page, the staff member's page and the QR codes of both.
    const staff = main?.subMeasures[0];
    for (const url of [main?.feedbackUrl, staff?.feedbackUrl, main?.qrSvgUrl, main?.qrPngUrl, staff?.qrSvgUrl, staff?.qrPngUrl]) {
      const response = await fetch(url ?? '');
      await response.arrayBuffer();
      expect(response.status, url).toBe(200);
    }
  });

  it('adds a location under a parent with an SMS code; its page works and the audit log has it', async () => {
    const client = await createTestClient(hark.services);
    const admin = await signIn(client.clientId, 'admin');
    const [region] = (await admin.get<LocationView[]>('/api/v1/locations')).body;
    const code = uniqueCode('Quay');
    const created = await admin.post<LocationView>('/api/v1/locations', { name: 'Quay Street', code, parentId: region?.id, smsCode: 'quay1', programmeId: client.programmeId });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Quay Street',
      code: code.toLowerCase(),
      parentId: region?.id,
      depth: 1,
      smsCode: 'QUAY1',
      archived: false,
      subMeasures: [],
      feedbackUrl: `${hark.services.publicUrl}/f/${code.toLowerCase()}`,
    });
    expect(await pageStatus(`/f/${code.toLowerCase()}`)).toBe(200);
    const list = (await admin.get<LocationView[]>('/api/v1/locations')).body;
    expect(list.map((l) => l.name)).toEqual(['North region', 'Harbour', 'Main Street', 'Quay Street']);
    const entry = (await auditOf(client.clientId)).find((e) => e.action === 'location.created');
    expect(entry).toMatchObject({ subject_kind: 'location', subject_id: created.body.id, actor_kind: 'user' });

    const topLevel = await admin.post<LocationView>('/api/v1/locations', { name: 'Website', code: uniqueCode('web'), programmeId: client.programmeId });
    expect(topLevel.status).toBe(201);
    expect(topLevel.body).toMatchObject({ parentId: null, depth: 0, smsCode: null });
  });

  it('refuses taken codes and bad input with a clear message, and adds nothing', async () => {
    const client = await createTestClient(hark.services);
    const other = await createTestClient(hark.services);
    const admin = await signIn(client.clientId, 'admin');
    const smsTaken = await admin.patch(`/api/v1/locations/${client.location.id}`, { smsCode: 'MAIN' });
    expect(smsTaken.status).toBe(200);
    const before = await settingsOf(client.clientId);
    const auditBefore = await auditActionsOf(client.clientId);
    const base = { name: 'New place', programmeId: client.programmeId };
    const cases: Array<[unknown, number, string, string]> = [
      // Codes are unique across the installation: another client's code is taken too.
      [{ ...base, code: other.location.code }, 409, 'conflict', 'That code is taken'],
      [{ ...base, code: client.otherLocation.code.toUpperCase() }, 409, 'conflict', 'That code is taken'],
      [{ ...base, code: uniqueCode('new'), smsCode: 'main' }, 409, 'conflict', 'That SMS code is taken'],
      [{ ...base, code: 'a' }, 400, 'validation_failed', 'the code must be 2 to 40 lowercase letters, digits and hyphens'],
      [{ ...base, code: 'new place' }, 400, 'validation_failed', 'the code must be 2 to 40'],
      [{ ...base, code: '-leading' }, 400, 'validation_failed', 'the code must be 2 to 40'],
      [{ ...base, code: 'x'.repeat(41) }, 400, 'validation_failed', 'the code must be 2 to 40'],
      [{ ...base, code: uniqueCode('new'), smsCode: 'A' }, 400, 'validation_failed', 'the SMS code must be 2 to 12 letters and digits'],
      [{ ...base, code: uniqueCode('new'), smsCode: 'NO-DASHES' }, 400, 'validation_failed', 'the SMS code must be 2 to 12'],
      [{ ...base, code: uniqueCode('new'), name: ' ' }, 400, 'validation_failed', 'give the location a name'],
      [{ name: 'No programme', code: uniqueCode('new') }, 400, 'validation_failed', '/programmeId'],
      [{ ...base, code: uniqueCode('new'), parentId: 'not-a-uuid' }, 400, 'validation_failed', '/parentId'],
    ];
    for (const [body, status, code, message] of cases) {
      expectError(await admin.post('/api/v1/locations', body), status, code, message);
    }
    expect(await settingsOf(client.clientId)).toEqual(before);
    expect(await auditActionsOf(client.clientId)).toEqual(auditBefore);

    // A taken SMS code is refused when editing too.
    expectError(await admin.patch(`/api/v1/locations/${client.otherLocation.id}`, { smsCode: 'MAIN' }), 409, 'conflict', 'That SMS code is taken');
    expect(await settingsOf(client.clientId)).toEqual(before);
  });

  it('edits and moves a location; refuses cycles and code changes, changing nothing', async () => {
    const client = await createTestClient(hark.services);
    const admin = await signIn(client.clientId, 'admin');
    const [region] = (await admin.get<LocationView[]>('/api/v1/locations')).body;
    const regionId = region?.id ?? '';

    const renamed = await admin.patch<LocationView>(`/api/v1/locations/${client.location.id}`, { name: 'Main Street Café', smsCode: 'mst' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Main Street Café', smsCode: 'MST', code: client.location.code });
    const moved = await admin.patch<LocationView>(`/api/v1/locations/${client.otherLocation.id}`, { parentId: null });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ parentId: null, depth: 0 });
    const list = (await admin.get<LocationView[]>('/api/v1/locations')).body;
    expect(list.map((l) => [l.name, l.depth])).toEqual([
      ['Harbour', 0],
      ['North region', 0],
      ['Main Street Café', 1],
    ]);
    const updates = (await auditOf(client.clientId)).filter((e) => e.action === 'location.updated');
    expect(updates.map((e) => [e.subject_id, e.details])).toEqual([
      [client.location.id, { fields: 'name,smsCode' }],
      [client.otherLocation.id, { fields: 'parentId' }],
    ]);

    // Main Street sits under the region; a sub-location of Main Street under it, then
    // the region under either would close a loop.
    const kiosk = await admin.post<LocationView>('/api/v1/locations', { name: 'Kiosk', code: uniqueCode('kiosk'), parentId: client.location.id, programmeId: client.programmeId });
    expect(kiosk.body.depth).toBe(2);
    const before = await settingsOf(client.clientId);
    expectError(await admin.patch(`/api/v1/locations/${regionId}`, { parentId: client.location.id }), 400, 'validation_failed', 'A location cannot sit under itself or under a location below it.');
    expectError(await admin.patch(`/api/v1/locations/${regionId}`, { parentId: kiosk.body.id }), 400, 'validation_failed', 'cannot sit under itself');
    expectError(await admin.patch(`/api/v1/locations/${regionId}`, { parentId: regionId }), 400, 'validation_failed', 'cannot sit under itself');
    expectError(await admin.patch(`/api/v1/locations/${client.location.id}`, { code: uniqueCode('renamed') }), 400, 'validation_failed', 'A code cannot be changed');
    expectError(await admin.patch(`/api/v1/locations/${client.location.id}`, { name: '' }), 400, 'validation_failed', 'give the location a name');
    expectError(await admin.patch(`/api/v1/locations/${client.location.id}`, { smsCode: 'way too long code' }), 400, 'validation_failed', 'the SMS code must be');
    expect(await settingsOf(client.clientId)).toEqual(before);

    // Sending the code it already has (as a form that sends everything would) is fine.
    const same = await admin.patch<LocationView>(`/api/v1/locations/${client.location.id}`, { code: client.location.code, smsCode: null });
    expect(same.status).toBe(200);
    expect(same.body.smsCode).toBeNull();
  });

  it('archiving a location hides its public pages and QR codes; restoring brings them back', async () => {
    const client = await createTestClient(hark.services);
    const admin = await signIn(client.clientId, 'admin');
    const code = client.location.code;
    // Seen before archiving, so a cached lookup would still show it.
    expect(await pageStatus(`/f/${code}`)).toBe(200);
    expect(await pageStatus(`/f/${code}/kiri`)).toBe(200);

    const archived = await admin.patch<LocationView>(`/api/v1/locations/${client.location.id}`, { archived: true });
    expect(archived.status).toBe(200);
    expect(archived.body.archived).toBe(true);
    for (const path of [`/f/${code}`, `/f/${code}/kiri`, `/f/${code}/qr.svg`, `/f/${code}/qr.png`]) expect(await pageStatus(path), path).toBe(404);
    const page = await openForm(hark, `/f/${code}`);
    expect(page.html).toContain('We could not find this feedback page');
    expect((await locationsOf(client.clientId)).find((l) => l.id === client.location.id)?.archived_at).toBeInstanceOf(Date);

    const listed = (await admin.get<LocationView[]>('/api/v1/locations')).body;
    expect(listed.map((l) => l.name)).toEqual(['North region', 'Harbour']);
    const all = (await admin.get<LocationView[]>('/api/v1/locations?includeArchived=true')).body;
    expect(all.map((l) => [l.name, l.archived])).toEqual([
      ['North region', false],
      ['Harbour', false],
      ['Main Street', true],
    ]);
    expectError(
      await admin.post(`/api/v1/locations/${client.location.id}/sub-measures`, { name: 'Aroha', code: 'aroha' }),
      409,
      'conflict',
      'This location is archived',
    );
    expectError(
      await admin.post('/api/v1/locations', { name: 'Under archived', code: uniqueCode('under'), parentId: client.location.id, programmeId: client.programmeId }),
      409,
      'conflict',
      'The parent location is archived',
    );

    const restored = await admin.patch<LocationView>(`/api/v1/locations/${client.location.id}`, { archived: false });
    expect(restored.status).toBe(200);
    expect(restored.body.archived).toBe(false);
    expect(await pageStatus(`/f/${code}`)).toBe(200);
    expect(await pageStatus(`/f/${code}/kiri`)).toBe(200);
    expect(await pageStatus(`/f/${code}/qr.svg`)).toBe(200);
    const actions = await auditActionsOf(client.clientId);
    expect(actions.filter((a) => a.startsWith('location.'))).toEqual(['location.archived', 'location.restored']);
  });

  it('adds, renames, archives and restores a sub-measure, with its own public page', async () => {
    const client = await createTestClient(hark.services);
    const admin = await signIn(client.clientId, 'admin');
    const created = await admin.post<SubMeasureView>(`/api/v1/locations/${client.location.id}/sub-measures`, { name: 'Counter two', code: 'Counter-2' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      locationId: client.location.id,
      name: 'Counter two',
      code: 'counter-2',
      archived: false,
      feedbackUrl: `${hark.services.publicUrl}/f/${client.location.code}/counter-2`,
    });
    const path = `/f/${client.location.code}/counter-2`;
    expect((await openForm(hark, path)).html).toContain('Counter two');

    const before = await settingsOf(client.clientId);
    expectError(await admin.post(`/api/v1/locations/${client.location.id}/sub-measures`, { name: 'Another Kiri', code: 'kiri' }), 409, 'conflict', 'That code is taken');
    expectError(await admin.post(`/api/v1/locations/${client.location.id}/sub-measures`, { name: 'Bad', code: 'no spaces' }), 400, 'validation_failed', 'the code must be 1 to 40');
    expectError(await admin.post(`/api/v1/locations/${client.location.id}/sub-measures`, { name: '', code: 'blank' }), 400, 'validation_failed', 'give the sub-measure a name');
    expectError(await admin.patch(`/api/v1/sub-measures/${created.body.id}`, { code: 'counter-3' }), 400, 'validation_failed', 'A code cannot be changed');
    expect(await settingsOf(client.clientId)).toEqual(before);
    // The same code at another location is fine: codes are unique per location.
    const elsewhere = await admin.post<SubMeasureView>(`/api/v1/locations/${client.otherLocation.id}/sub-measures`, { name: 'Kiri', code: 'kiri' });
    expect(elsewhere.status).toBe(201);

    const renamed = await admin.patch<SubMeasureView>(`/api/v1/sub-measures/${created.body.id}`, { name: 'Counter 2' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Counter 2');
    const archived = await admin.patch<SubMeasureView>(`/api/v1/sub-measures/${created.body.id}`, { archived: true });
    expect(archived.body.archived).toBe(true);
    expect(await pageStatus(path)).toBe(404);
    expect(await pageStatus(`/f/${client.location.code}`)).toBe(200);
    const main = (await admin.get<LocationView[]>('/api/v1/locations')).body.find((l) => l.id === client.location.id);
    expect(main?.subMeasures.map((s) => s.code)).toEqual(['kiri']);
    const mainAll = (await admin.get<LocationView[]>('/api/v1/locations?includeArchived=true')).body.find((l) => l.id === client.location.id);
    expect(mainAll?.subMeasures.map((s) => [s.code, s.archived])).toEqual([
      ['counter-2', true],
      ['kiri', false],
    ]);
    const restored = await admin.patch<SubMeasureView>(`/api/v1/sub-measures/${created.body.id}`, { archived: false });
    expect(restored.body.archived).toBe(false);
    expect(await pageStatus(path)).toBe(200);

    const entries = (await auditOf(client.clientId)).filter((e) => e.subject_kind === 'sub_measure');
    expect(entries.map((e) => e.action)).toEqual(['sub_measure.created', 'sub_measure.created', 'sub_measure.updated', 'sub_measure.archived', 'sub_measure.restored']);
    // A sub-measure is often a person: the audit log holds no names.
    expect(JSON.stringify(entries.map((e) => e.details))).not.toContain('Counter');
  });
});

describe('who may reach what', () => {
  it("answers 404 for another client's ids and changes nothing of theirs", async () => {
    const client = await createTestClient(hark.services);
    const other: TestClient = await createTestClient(hark.services);
    const admin = await signIn(client.clientId, 'admin');
    const before = await settingsOf(other.clientId);
    const auditBefore = await auditActionsOf(other.clientId);

    expectError(await admin.patch(`/api/v1/programmes/${other.programmeId}`, { name: 'Mine now' }), 404, 'not_found', 'Nothing was found');
    expectError(await admin.patch(`/api/v1/locations/${other.location.id}`, { archived: true }), 404, 'not_found', 'Nothing was found');
    expectError(await admin.patch(`/api/v1/sub-measures/${other.subMeasure.id}`, { name: 'Mine now' }), 404, 'not_found', 'Nothing was found');
    expectError(await admin.post(`/api/v1/locations/${other.location.id}/sub-measures`, { name: 'Spy', code: 'spy' }), 404, 'not_found', 'Nothing was found');
    // Their ids as references in our own changes are not found either.
    expectError(
      await admin.post('/api/v1/locations', { name: 'Theirs', code: uniqueCode('theirs'), parentId: other.location.id, programmeId: client.programmeId }),
      404,
      'not_found',
      'The parent location was not found.',
    );
    expectError(await admin.post('/api/v1/locations', { name: 'Theirs', code: uniqueCode('theirs'), programmeId: other.programmeId }), 404, 'not_found', 'That programme was not found.');
    expectError(await admin.patch(`/api/v1/locations/${client.location.id}`, { parentId: other.location.id }), 404, 'not_found', 'The parent location was not found.');
    expectError(await admin.patch(`/api/v1/locations/${client.location.id}`, { programmeId: other.programmeId }), 404, 'not_found', 'That programme was not found.');

    const listed = (await admin.get<LocationView[]>('/api/v1/locations?includeArchived=true')).body;
    expect(listed.some((l) => l.id === other.location.id)).toBe(false);
    expect((await admin.get<ProgrammeView[]>('/api/v1/programmes')).body.map((p) => p.id)).toEqual([client.programmeId]);

    expect(await settingsOf(other.clientId)).toEqual(before);
    expect(await auditActionsOf(other.clientId)).toEqual(auditBefore);
    expect(await pageStatus(`/f/${other.location.code}`)).toBe(200);
  });

  it('shows a manager only the locations in their scope, and lets neither a manager nor a viewer change settings', async () => {
    const client = await createTestClient(hark.services);
    expect((await giveFeedback(hark, `/f/${client.otherLocation.code}`, { score: '2' })).status).toBe(200);
    const manager = await signIn(client.clientId, 'manager', [client.location.id]);
    const viewer = await signIn(client.clientId, 'viewer', [client.otherLocation.id]);

    const seen = await manager.get<LocationView[]>('/api/v1/locations?includeArchived=true');
    expect(seen.status).toBe(200);
    expect(seen.body.map((l) => [l.id, l.depth])).toEqual([[client.location.id, 0]]);
    expect(seen.body[0]?.subMeasures.map((s) => s.id)).toEqual([client.subMeasure.id]);
    // Feedback outside the scope is not counted either.
    expect((await manager.get<ProgrammeView[]>('/api/v1/programmes')).body[0]?.feedbackCount).toBe(0);
    expect((await viewer.get<ProgrammeView[]>('/api/v1/programmes')).body[0]?.feedbackCount).toBe(1);
    expect((await viewer.get<LocationView[]>('/api/v1/locations')).body.map((l) => l.id)).toEqual([client.otherLocation.id]);

    const before = await settingsOf(client.clientId);
    for (const person of [manager, viewer]) {
      expectError(await person.patch(`/api/v1/programmes/${client.programmeId}`, { name: 'Changed' }), 403, 'forbidden', 'Your role does not allow this.');
      expectError(await person.post('/api/v1/programmes', { name: 'New', scale: 'csat_5', leadQuestion: 'Q', followUpQuestion: 'Why?' }), 403, 'forbidden', 'Your role does not allow this.');
      expectError(await person.patch(`/api/v1/locations/${client.location.id}`, { archived: true }), 403, 'forbidden', 'Your role does not allow this.');
      expectError(await person.post('/api/v1/locations', { name: 'New', code: uniqueCode('new'), programmeId: client.programmeId }), 403, 'forbidden', 'Your role does not allow this.');
      expectError(await person.post(`/api/v1/locations/${client.location.id}/sub-measures`, { name: 'New', code: 'new' }), 403, 'forbidden', 'Your role does not allow this.');
      expectError(await person.patch(`/api/v1/sub-measures/${client.subMeasure.id}`, { archived: true }), 403, 'forbidden', 'Your role does not allow this.');
    }
    expect(await settingsOf(client.clientId)).toEqual(before);
  });

  it('refuses a change without the CSRF token, and everything without a session', async () => {
    const client = await createTestClient(hark.services);
    const admin = await signIn(client.clientId, 'owner');
    const before = await settingsOf(client.clientId);
    expectError(await admin.patch(`/api/v1/locations/${client.location.id}`, { archived: true }, { csrf: false }), 403, 'csrf_failed', 'did not come from the Hark portal');
    expectError(await admin.post('/api/v1/locations', { name: 'New', code: uniqueCode('new'), programmeId: client.programmeId }, { csrf: false }), 403, 'csrf_failed', 'did not come from the Hark portal');
    expectError(await admin.patch(`/api/v1/programmes/${client.programmeId}`, { name: 'X' }, { csrf: false }), 403, 'csrf_failed', 'did not come from the Hark portal');
    expect(await settingsOf(client.clientId)).toEqual(before);

    for (const path of ['/api/v1/programmes', '/api/v1/locations']) {
      const response = await hark.fetch(path);
      expect(response.status).toBe(401);
      expect(((await response.json()) as ErrorBody).error.code).toBe('unauthenticated');
    }
    const anonymous = await hark.fetch(`/api/v1/locations/${client.location.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ archived: true }),
    });
    expect(anonymous.status).toBe(401);
    expect(await settingsOf(client.clientId)).toEqual(before);
  });
});

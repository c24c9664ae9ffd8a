/**
 * Comment analysis through real HTTP: feedback given on the form is analysed as it is
 * stored (sentiment, themes, terms); the cloud, the comments behind a term, theme trends
 * and the inbox's sentiment and theme filters read it, scoped by client and location;
 * themes are managed by admins and re-tag the comments; older feedback is backfilled;
 * bad input changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillCommentAnalysisJob } from '../../src/comments/index.ts';
import { withClient } from '../../src/db/tenancy.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, type PortalClient } from '../helpers/portal.ts';
import { waitFor } from '../helpers/wait.ts';
import { waitForDayFigures } from '../helpers/rollups.ts';

interface CloudTerm {
  term: string;
  label: string;
  kind: 'word' | 'phrase';
  comments: number;
  averageSentiment: number;
  averageRatingPercent: number;
}
interface Cloud {
  from: string;
  to: string;
  terms: CloudTerm[];
}
interface CommentPage {
  items: { feedbackId: string; comment: string; sentiment: string; sentimentScore: number; themes: { id: string; name: string }[]; locationId: string }[];
  nextCursor: string | null;
}
interface Theme {
  id: string;
  name: string;
  keywords: string[];
}
interface InboxPage {
  items: { id: string; comment: string }[];
}
interface Trend {
  themes: { id: string; name: string; total: { comments: number; averageSentiment: number | null }; points: { period: string; comments: number }[] }[];
}
interface ErrorBody {
  error: { code: string; message: string };
}

const put = <T = unknown>(client: PortalClient, path: string, body: unknown) => client.request<T>('PUT', path, body);

describe(`comment analysis (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let client: TestClient;
  let other: TestClient;
  let admin: PortalClient;
  let manager: PortalClient;
  let viewer: PortalClient;
  let outsider: PortalClient;
  const main: { comment: string; score: string }[] = [
    { comment: 'the queue took forever', score: '2' },
    { comment: 'Cold coffee and a long wait 😡', score: '1' },
    { comment: 'Lovely staff, great coffee', score: '5' },
    { comment: 'Great coffee, friendly staff, will be back', score: '5' },
    { comment: 'Had a coffee at lunchtime.', score: '3' },
    { comment: '', score: '4' },
  ];
  const harbour = [
    { comment: 'The toilets were dirty and the coffee was cold', score: '1' },
    { comment: 'Great coffee by the water', score: '5' },
  ];

  beforeAll(async () => {
    hark = await startTestHark({ env: { HARK_JOB_POLL_SECONDS: '0.5' } });
    client = await createTestClient(hark.services, { name: 'Kōwhai Café' });
    other = await createTestClient(hark.services, { name: 'Other Café' });
    for (const g of main) expect((await giveFeedback(hark, `/f/${client.location.code}`, g)).status).toBe(200);
    for (const g of harbour) expect((await giveFeedback(hark, `/f/${client.otherLocation.code}`, g)).status).toBe(200);
    expect((await giveFeedback(hark, `/f/${other.location.code}`, { score: '1', comment: 'Secret coffee complaint from another business' })).status).toBe(200);
    await waitForDayFigures(hark.services);
    admin = await signIn(hark, await createTestUser(hark.services, client.clientId, 'admin'));
    manager = await signIn(hark, await createTestUser(hark.services, client.clientId, 'manager', { locationScope: [client.location.id] }));
    viewer = await signIn(hark, await createTestUser(hark.services, client.clientId, 'viewer'));
    outsider = await signIn(hark, await createTestUser(hark.services, other.clientId, 'admin'));
  });
  afterAll(async () => {
    await hark?.close();
  });

  async function themeNamed(name: string): Promise<Theme> {
    const themes = await admin.get<Theme[]>('/api/v1/themes');
    const theme = themes.body.find((t) => t.name === name);
    if (!theme) throw new Error(`no theme ${name}`);
    return theme;
  }

  it('gives every new client the default themes', async () => {
    const themes = await viewer.get<Theme[]>('/api/v1/themes');
    expect(themes.status).toBe(200);
    expect(themes.body.map((t) => t.name)).toEqual(['Cleanliness', 'Price', 'Product quality', 'Staff', 'Wait time']);
    expect((await themeNamed('Wait time')).keywords).toEqual(expect.arrayContaining(['queue', 'wait', 'slow']));
  });

  it('analyses each comment as it is stored: "the queue took forever" is negative and about wait time', async () => {
    const wait = await themeNamed('Wait time');
    const page = await admin.get<CommentPage>('/api/v1/comments?term=queue');
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(1);
    const [item] = page.body.items;
    expect(item?.comment).toBe('the queue took forever');
    expect(item?.sentiment).toBe('negative');
    expect(item?.sentimentScore).toBeLessThan(0);
    expect(item?.themes).toEqual([{ id: wait.id, name: 'Wait time' }]);

    const inbox = await admin.get<InboxPage>(`/api/v1/feedback?theme=${wait.id}`);
    expect(inbox.status).toBe(200);
    expect(inbox.body.items.map((i) => i.comment).sort()).toEqual(['Cold coffee and a long wait 😡', 'the queue took forever']);
  });

  it('filters the inbox by sentiment, and by sentiment and theme together', async () => {
    const negative = await admin.get<InboxPage>('/api/v1/feedback?sentiment=negative');
    expect(negative.body.items.map((i) => i.comment).sort()).toEqual(['Cold coffee and a long wait 😡', 'The toilets were dirty and the coffee was cold', 'the queue took forever']);
    const positive = await admin.get<InboxPage>('/api/v1/feedback?sentiment=positive');
    expect(positive.body.items.map((i) => i.comment).sort()).toEqual(['Great coffee by the water', 'Great coffee, friendly staff, will be back', 'Lovely staff, great coffee']);
    const clean = await themeNamed('Cleanliness');
    const both = await admin.get<InboxPage>(`/api/v1/feedback?sentiment=negative&theme=${clean.id}`);
    expect(both.body.items.map((i) => i.comment)).toEqual(['The toilets were dirty and the coffee was cold']);
    // A manager of Main Street sees only its comments.
    const scoped = await manager.get<InboxPage>('/api/v1/feedback?sentiment=negative');
    expect(scoped.body.items.map((i) => i.comment).sort()).toEqual(['Cold coffee and a long wait 😡', 'the queue took forever']);
  });

  it('refuses an unknown or malformed theme and a bad sentiment in the inbox filter', async () => {
    const unknown = await admin.get<ErrorBody>(`/api/v1/feedback?theme=${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('There is no such theme.');
    const otherClients = await outsider.get<Theme[]>('/api/v1/themes');
    const foreign = await admin.get<ErrorBody>(`/api/v1/feedback?theme=${otherClients.body[0]?.id}`);
    expect(foreign.status).toBe(404);
    expect((await admin.get<ErrorBody>('/api/v1/feedback?theme=wait')).status).toBe(400);
    const badSentiment = await admin.get<ErrorBody>('/api/v1/feedback?sentiment=angry');
    expect(badSentiment.status).toBe(400);
    expect(badSentiment.body.error.message).toMatch(/sentiment/);
  });

  it('builds the cloud from the period’s comments: counts, average scores, words and phrases, no stop words', async () => {
    const cloud = await admin.get<Cloud>('/api/v1/comments/cloud?minCount=1&limit=200');
    expect(cloud.status).toBe(200);
    const byLabel = new Map(cloud.body.terms.map((t) => [t.label, t]));
    const coffee = byLabel.get('coffee');
    // Six comments of this client use "coffee" (the other client's does not count).
    expect(coffee?.comments).toBe(6);
    expect(coffee?.kind).toBe('word');
    expect(byLabel.get('great coffee')?.comments).toBe(3);
    expect(byLabel.get('great coffee')?.kind).toBe('phrase');
    expect(byLabel.get('great coffee')?.averageSentiment).toBeGreaterThan(0.3);
    expect(byLabel.get('great coffee')?.averageRatingPercent).toBe(100);
    expect(byLabel.get('dirty')?.averageSentiment).toBeLessThan(0);
    for (const stop of ['the', 'and', 'was', 'a', 'by', 'will']) expect(byLabel.has(stop)).toBe(false);
    expect(byLabel.has('secret')).toBe(false);
    // Most used first; minCount leaves out the rare ones.
    expect(cloud.body.terms[0]?.label).toBe('coffee');
    const common = await admin.get<Cloud>('/api/v1/comments/cloud?minCount=3');
    expect(common.body.terms.every((t) => t.comments >= 3)).toBe(true);
    expect(common.body.terms.map((t) => t.label)).toEqual(expect.arrayContaining(['coffee', 'great', 'great coffee']));
  });

  it('scopes the cloud by location: asked for, and by a manager’s scope', async () => {
    const harbourCloud = await admin.get<Cloud>(`/api/v1/comments/cloud?minCount=1&locationId=${client.otherLocation.id}`);
    expect(harbourCloud.body.terms.find((t) => t.label === 'coffee')?.comments).toBe(2);
    expect(harbourCloud.body.terms.some((t) => t.label === 'queue')).toBe(false);
    const managerCloud = await manager.get<Cloud>('/api/v1/comments/cloud?minCount=1');
    expect(managerCloud.body.terms.find((t) => t.label === 'coffee')?.comments).toBe(4);
    expect(managerCloud.body.terms.some((t) => t.label === 'toilets')).toBe(false);
    // Out of the manager's scope is as if it did not exist.
    expect((await manager.get<ErrorBody>(`/api/v1/comments/cloud?locationId=${client.otherLocation.id}`)).status).toBe(404);
    expect((await manager.get<ErrorBody>(`/api/v1/comments?term=coffe&locationId=${client.otherLocation.id}`)).status).toBe(404);
    const managerComments = await manager.get<CommentPage>('/api/v1/comments?term=coffe&limit=100');
    expect(managerComments.body.items.every((i) => i.locationId === client.location.id)).toBe(true);
    // Another client sees none of it.
    const foreign = await outsider.get<Cloud>('/api/v1/comments/cloud?minCount=1');
    expect(foreign.body.terms.map((t) => t.label)).not.toContain('queue');
    expect((await outsider.get<CommentPage>('/api/v1/comments?term=queue')).body.items).toEqual([]);
  });

  it('pages the comments of a term newest first, and finds a term as a person writes it', async () => {
    const first = await admin.get<CommentPage>('/api/v1/comments?term=coffe&limit=4');
    expect(first.body.items).toHaveLength(4);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await admin.get<CommentPage>(`/api/v1/comments?term=coffe&limit=4&cursor=${first.body.nextCursor}`);
    expect(second.body.items).toHaveLength(2);
    expect(second.body.nextCursor).toBeNull();
    const all = [...first.body.items, ...second.body.items].map((i) => i.feedbackId);
    expect(new Set(all).size).toBe(6);
    // "Coffees" as written is stemmed to the same term.
    expect((await admin.get<CommentPage>('/api/v1/comments?term=Coffees&limit=100')).body.items).toHaveLength(6);
    expect((await admin.get<CommentPage>('/api/v1/comments?term=great%20coffee')).body.items).toHaveLength(3);
    // A period before any feedback has none.
    expect((await admin.get<CommentPage>('/api/v1/comments?term=coffe&from=2020-01-01&to=2020-01-31')).body.items).toEqual([]);
  });

  it('refuses bad dates, periods, terms and cursors with a message', async () => {
    for (const path of [
      '/api/v1/comments/cloud?from=2024-13-01',
      '/api/v1/comments/cloud?from=2024-02-30',
      '/api/v1/comments/cloud?from=yesterday',
      '/api/v1/comments/cloud?from=2024-05-02&to=2024-05-01',
      '/api/v1/comments/cloud?from=2010-01-01&to=2024-01-01',
      '/api/v1/comments/cloud?limit=0',
      '/api/v1/comments/cloud?minCount=-1',
      '/api/v1/comments',
      '/api/v1/comments?term=',
      `/api/v1/comments?term=${'x'.repeat(101)}`,
      '/api/v1/comments?term=coffe&cursor=nonsense',
      '/api/v1/comments/theme-trends?interval=year',
      '/api/v1/comments/theme-trends?to=2024-01-01&from=2024-02-01',
      '/api/v1/comments/cloud?locationId=not-a-uuid',
    ]) {
      const response = await admin.get<ErrorBody>(path);
      expect(response.status, path).toBe(400);
      expect(response.body.error.message.length, path).toBeGreaterThan(10);
    }
    expect((await admin.get<ErrorBody>(`/api/v1/comments/cloud?locationId=${randomUUID()}`)).status).toBe(404);
    expect((await hark.fetch('/api/v1/comments/cloud')).status).toBe(401);
  });

  it('manages themes: admins add, change and delete; bad keywords and unknown ids are refused and change nothing', async () => {
    const before = await admin.get<Theme[]>('/api/v1/themes');
    const bad: [unknown, RegExp][] = [
      [{ name: 'Parking', keywords: [] }, /at least one keyword/],
      [{ name: 'Parking', keywords: Array.from({ length: 31 }, (_, i) => `word${String.fromCharCode(97 + (i % 26))}${i}`) }, /at most 30 keywords/],
      [{ name: 'Parking', keywords: ['the'] }, /too common/],
      [{ name: 'Parking', keywords: ['car park near door'] }, /more than two words/],
      [{ name: 'Parking', keywords: ['!!!'] }, /no letters/],
      [{ name: 'Parking', keywords: [''] }, /may not be empty/],
      [{ name: '', keywords: ['parking'] }, /name/],
      [{ name: 'Wait time', keywords: ['parking'] }, /already a theme with this name/],
      [{ keywords: ['parking'] }, /name/],
    ];
    for (const [body, message] of bad) {
      const response = await admin.post<ErrorBody>('/api/v1/themes', body);
      expect([400, 409], JSON.stringify(body)).toContain(response.status);
      expect(response.body.error.message).toMatch(message);
    }
    expect((await viewer.post<ErrorBody>('/api/v1/themes', { name: 'Parking', keywords: ['parking'] })).status).toBe(403);
    expect((await manager.post<ErrorBody>('/api/v1/themes', { name: 'Parking', keywords: ['parking'] })).status).toBe(403);
    expect((await put<ErrorBody>(admin, `/api/v1/themes/${randomUUID()}`, { name: 'Parking', keywords: ['parking'] })).status).toBe(404);
    expect((await put<ErrorBody>(admin, '/api/v1/themes/not-an-id', { name: 'Parking', keywords: ['parking'] })).status).toBe(400);
    expect((await admin.delete<ErrorBody>(`/api/v1/themes/${randomUUID()}`)).status).toBe(404);
    const foreignTheme = (await outsider.get<Theme[]>('/api/v1/themes')).body[0];
    expect((await admin.delete<ErrorBody>(`/api/v1/themes/${foreignTheme?.id}`)).status).toBe(404);
    expect((await outsider.get<Theme[]>('/api/v1/themes')).body).toHaveLength(5);
    expect((await admin.get<Theme[]>('/api/v1/themes')).body).toEqual(before.body);

    const created = await admin.post<Theme>('/api/v1/themes', { name: 'Water views', keywords: ['Water', ' view ', 'water'] });
    expect(created.status).toBe(201);
    expect(created.body.keywords).toEqual(['water', 'view']);
    const changed = await put<Theme>(admin, `/api/v1/themes/${created.body.id}`, { name: 'Setting', keywords: ['water', 'music'] });
    expect(changed.status).toBe(200);
    expect(changed.body.name).toBe('Setting');
    expect((await admin.delete(`/api/v1/themes/${created.body.id}`)).status).toBe(200);
    expect((await admin.get<Theme[]>('/api/v1/themes')).body.map((t) => t.name)).not.toContain('Setting');
  });

  it('re-tags the client’s comments when a theme’s keywords change', async () => {
    const quality = await themeNamed('Product quality');
    // "coffee" and "cold" are keywords of Product quality by default: six comments.
    expect((await admin.get<InboxPage>(`/api/v1/feedback?theme=${quality.id}&limit=100`)).body.items).toHaveLength(6);
    const edited = await put<Theme>(admin, `/api/v1/themes/${quality.id}`, { name: 'Product quality', keywords: ['toilet'] });
    expect(edited.status).toBe(200);
    const retagged = await waitFor(
      async () => {
        const page = await admin.get<InboxPage>(`/api/v1/feedback?theme=${quality.id}&limit=100`);
        return page.body.items.length === 1 ? page.body.items : undefined;
      },
      { what: 'the re-tag job' },
    );
    expect(retagged.map((i) => i.comment)).toEqual(['The toilets were dirty and the coffee was cold']);
    const trend = await admin.get<Trend>('/api/v1/comments/theme-trends?interval=day');
    expect(trend.body.themes.find((t) => t.id === quality.id)?.total.comments).toBe(1);
    // And back, for the tests after.
    await put(admin, `/api/v1/themes/${quality.id}`, { name: 'Product quality', keywords: quality.keywords });
    await waitFor(async () => ((await admin.get<InboxPage>(`/api/v1/feedback?theme=${quality.id}&limit=100`)).body.items.length === 6 ? true : undefined), { what: 'the re-tag back' });
  });

  it('gives theme counts and average scores over time, scoped', async () => {
    const trend = await admin.get<Trend>('/api/v1/comments/theme-trends?interval=week');
    expect(trend.status).toBe(200);
    const wait = trend.body.themes.find((t) => t.name === 'Wait time');
    expect(wait?.total.comments).toBe(2);
    expect(wait?.total.averageSentiment).toBeLessThan(0);
    expect(wait?.points.reduce((sum, p) => sum + p.comments, 0)).toBe(2);
    const clean = trend.body.themes.find((t) => t.name === 'Cleanliness');
    expect(clean?.total.comments).toBe(1);
    const scoped = await manager.get<Trend>('/api/v1/comments/theme-trends?interval=month');
    expect(scoped.body.themes.find((t) => t.name === 'Cleanliness')?.total.comments).toBe(0);
  });

  it('backfills feedback stored before analysis, and forgets an analysis when its comment is cleared', async () => {
    const { db } = hark.services;
    const id = randomUUID();
    // Stored the way older versions did: no analysis.
    await withClient(db, client.clientId, (trx) =>
      trx
        .insertInto('feedback')
        .values({ client_id: client.clientId, id, programme_id: client.programmeId, location_id: client.location.id, channel: 'web', scale: 'recommend_5', score: 2, comment: 'Parking was a nightmare, terrible parking' })
        .execute(),
    );
    expect((await admin.get<CommentPage>('/api/v1/comments?term=park')).body.items).toEqual([]);
    await backfillCommentAnalysisJob(hark.services);
    const found = await admin.get<CommentPage>('/api/v1/comments?term=park');
    expect(found.body.items.map((i) => i.feedbackId)).toEqual([id]);
    expect(found.body.items[0]?.sentiment).toBe('negative');
    expect((await admin.get<Cloud>('/api/v1/comments/cloud?minCount=1')).body.terms.find((t) => t.label === 'parking')?.comments).toBe(1);

    // Retention or a correction clears the comment: its terms go from the cloud too.
    await withClient(db, client.clientId, (trx) => trx.updateTable('feedback').set({ comment: '' }).where('client_id', '=', client.clientId).where('id', '=', id).execute());
    expect((await admin.get<CommentPage>('/api/v1/comments?term=park')).body.items).toEqual([]);
    expect((await admin.get<Cloud>('/api/v1/comments/cloud?minCount=1')).body.terms.some((t) => t.label === 'parking')).toBe(false);
    const summary = await withClient(db, client.clientId, (trx) => trx.selectFrom('comment_term_daily').select('term').where('client_id', '=', client.clientId).where('term', '=', 'park').execute());
    expect(summary).toEqual([]);
  });
});

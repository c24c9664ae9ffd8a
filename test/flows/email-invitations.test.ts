/**
 * Email invitations with one-click score links, through a real SMTP server: a key (or a
 * person) asks for an invitation, the customer's mail carries one link per score, opening a
 * link records nothing (mail scanners open links), one tap records the score as email
 * feedback and offers the comment box; used, forged and expired links are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, type PortalClient } from '../helpers/portal.ts';
import { startTestSmtpServer, type ReceivedMail, type TestSmtpServer } from '../helpers/smtp.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { waitFor } from '../helpers/wait.ts';

function scoreLinks(mail: ReceivedMail): Map<number, string> {
  const links = new Map<number, string>();
  for (const match of mail.text.matchAll(/^(\d{1,2}): (http\S+\/r\/\S+)$/gm)) links.set(Number(match[1]), match[2] as string);
  return links;
}

describe(`email invitations (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let smtp: TestSmtpServer;
  let client: TestClient;
  let admin: PortalClient;
  let key: string;

  async function invite(body: unknown, bearer = key) {
    const response = await hark.fetch('/api/v1/invitations/email', { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { id?: string; error?: { message: string } } };
  }

  const feedbackCount = async () =>
    Number((await hark.services.db.selectFrom('feedback').select((eb) => eb.fn.countAll<number>().as('n')).where('client_id', '=', client.clientId).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    hark = await startTestHark({ env: { SMTP_URL: smtp.url, HARK_JOB_POLL_SECONDS: '0.5' } });
    client = await createTestClient(hark.services, { name: 'Invite Café' });
    admin = await signIn(hark, await createTestUser(hark.services, client.clientId, 'admin'));
    key = (await admin.post<{ key: string }>('/api/v1/api-keys', { name: 'Shop', scopes: ['invitations:write'] })).body.key;
  });
  afterAll(async () => {
    await hark?.close();
    await smtp?.close();
  });

  it('sends one link per score; GET confirms without recording, one POST records email feedback, then the comment', async () => {
    const sent = await invite({ email: 'Mere@Example.com', locationId: client.location.id, subMeasureId: client.subMeasure.id, orderRef: 'A-1001' });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    const stored = await hark.services.db.selectFrom('email_invitations').selectAll().where('id', '=', sent.body.id ?? '').executeTakeFirstOrThrow();
    expect(stored.email_enc.toString('latin1')).not.toContain('mere@example.com');

    const mail = await smtp.waitForMail('mere@example.com');
    expect(mail.text).toContain('How likely are you to recommend us to a friend?');
    const links = scoreLinks(mail);
    expect([...links.keys()]).toEqual([1, 2, 3, 4, 5]);
    const link = links.get(4) as string;
    const path = new URL(link).pathname;

    const before = await feedbackCount();
    for (let i = 0; i < 2; i++) {
      const confirm = await hark.fetch(path);
      expect(confirm.status).toBe(200);
      const page = await confirm.text();
      expect(page).toContain('Send my score of 4');
      expect(page).not.toContain('<script');
    }
    expect(await feedbackCount()).toBe(before);

    const recorded = await hark.fetch(path, { method: 'POST' });
    expect(recorded.status).toBe(200);
    const thanks = await recorded.text();
    expect(thanks).toContain('Your score of 4 was recorded');
    const commentToken = /name="token" value="([^"]+)"/.exec(thanks)?.[1] ?? '';
    expect(await feedbackCount()).toBe(before + 1);
    const feedback = await hark.services.db.selectFrom('feedback').selectAll().where('client_id', '=', client.clientId).where('channel', '=', 'email').executeTakeFirstOrThrow();
    expect(feedback).toMatchObject({ score: 4, sub_measure_id: client.subMeasure.id, location_id: client.location.id, comment: '' });

    const commented = await hark.fetch('/r/comment', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: commentToken, comment: 'Quick and friendly' }).toString() });
    expect(commented.status).toBe(200);
    expect(await commented.text()).toContain('Cheers for that');
    const after = await hark.services.db.selectFrom('feedback').select('comment').where('id', '=', feedback.id).executeTakeFirstOrThrow();
    expect(after.comment).toBe('Quick and friendly');
    // The comment is given once.
    const again = await hark.fetch('/r/comment', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: commentToken, comment: 'Changed my mind' }).toString() });
    expect(again.status).toBe(410);

    // The link is used up: another score from the same mail, or the same one again, is refused.
    for (const used of [path, new URL(links.get(1) as string).pathname]) {
      expect((await hark.fetch(used)).status).toBe(410);
      expect((await hark.fetch(used, { method: 'POST' })).status).toBe(410);
    }
    expect(await feedbackCount()).toBe(before + 1);
  });

  it('refuses forged and tampered links with a 404 page, and expired ones with 410', async () => {
    const before = await feedbackCount();
    expect((await hark.fetch('/r/not-a-token/3')).status).toBe(404);
    expect((await hark.fetch(`/r/${crypto.randomUUID()}.AAAA/3`, { method: 'POST' })).status).toBe(404);

    const sent = await invite({ email: 'expired@example.com', locationId: client.location.id });
    const mail = await smtp.waitForMail('expired@example.com');
    const path = new URL(scoreLinks(mail).get(2) as string).pathname;
    const [, , token] = path.split('/');
    const [id] = (token as string).split('.');
    expect((await hark.fetch(`/r/${id}.${'x'.repeat(43)}/2`)).status).toBe(404);
    expect((await hark.fetch(path.replace(/\/2$/, '/9'))).status).toBe(400);
    await hark.services.db.updateTable('email_invitations').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', sent.body.id ?? '').execute();
    expect((await hark.fetch(path)).status).toBe(410);
    expect((await hark.fetch(path, { method: 'POST' })).status).toBe(410);
    expect(await feedbackCount()).toBe(before);
  });

  it('keeps to the rules: scopes, quarantine, locations and bad input change nothing', async () => {
    const count = async () => Number((await hark.services.db.selectFrom('email_invitations').select((eb) => eb.fn.countAll<number>().as('n')).where('client_id', '=', client.clientId).executeTakeFirstOrThrow()).n);
    const before = await count();
    const again = await invite({ email: 'MERE@example.com', locationId: client.location.id });
    expect(again.status).toBe(409);
    expect(again.body.error?.message).toMatch(/invited recently/);
    const other = await createTestClient(hark.services);
    const cases: [unknown, number, RegExp][] = [
      [{ email: 'nobody', locationId: client.location.id }, 400, /email address/],
      [{ email: 'a@example.com', locationId: other.location.id }, 400, /not an active location/],
      [{ email: 'a@example.com' }, 400, /locationId/],
      [{ email: 'a@example.com', locationId: client.location.id, extra: 1 }, 400, /not valid/],
      [{ email: 'a@example.com', locationId: client.location.id, orderRef: 'x'.repeat(20_000) }, 413, /too large/],
    ];
    for (const [body, status, message] of cases) {
      const response = await invite(body);
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      expect(response.body.error?.message).toMatch(message);
    }
    const readOnly = (await admin.post<{ key: string }>('/api/v1/api-keys', { name: 'Read', scopes: ['feedback:read'] })).body.key;
    const refused = await invite({ email: 'b@example.com', locationId: client.location.id }, readOnly);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toMatch(/invitations:write/);
    expect(await count()).toBe(before);
    // A person who may send invitations can do it from the portal too.
    const byPerson = await admin.post('/api/v1/invitations/email', { email: 'walk-in@example.com', locationId: client.otherLocation.id });
    expect(byPerson.status).toBe(202);
    await waitFor(async () => smtp.mails.find((m) => m.to.includes('walk-in@example.com')), { what: 'the portal invitation' });
  });
});

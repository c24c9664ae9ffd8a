/**
 * The public feedback pages over real HTTP: what a customer sees and what is stored, for
 * good input and for every kind of bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../../src/db/tenancy.ts';
import { renderQrSvg } from '../../src/feedback/qr-code.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback, openForm, postForm } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';

let hark: TestHark;

beforeAll(async () => {
  hark = await startTestHark();
});
afterAll(() => hark?.close());

function feedbackOf(client: TestClient) {
  return withClient(hark.services.db, client.clientId, (trx) =>
    trx.selectFrom('feedback').selectAll().where('client_id', '=', client.clientId).orderBy('submitted_at').execute(),
  );
}

function decodeEntities(text: string): string {
  return text.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

describe('the feedback page', () => {
  it('shows the programme wording and its scale, for each scale', async () => {
    const cases = [
      { scale: 'recommend_5', values: ['1', '5'], absent: '0' },
      { scale: 'nps_10', values: ['0', '10'], absent: '11' },
      { scale: 'csat_5', values: ['1', '5'], absent: '6' },
      { scale: 'stars_5', values: ['1', '5'], absent: '6' },
    ] as const;
    for (const c of cases) {
      const client = await createTestClient(hark.services, { scale: c.scale });
      const { status, html } = await openForm(hark, `/f/${client.location.code}`);
      expect(status).toBe(200);
      expect(decodeEntities(html)).toContain('How likely are you to recommend us to a friend?');
      expect(html).toContain('What is the main reason for your score?');
      for (const v of c.values) expect(html).toContain(`name="score" value="${v}"`);
      expect(html).not.toContain(`name="score" value="${c.absent}"`);
    }
  });

  it('names the staff member on a sub-measure page and attributes the feedback to them', async () => {
    const client = await createTestClient(hark.services);
    const path = `/f/${client.location.code}/${client.subMeasure.code}`;
    const { html } = await openForm(hark, path);
    expect(html).toContain(client.subMeasure.name);
    const result = await giveFeedback(hark, path, { score: '5', comment: 'Kiri was great' });
    expect(result.status).toBe(200);
    const [row] = await feedbackOf(client);
    expect(row?.sub_measure_id).toBe(client.subMeasure.id);
    expect(row?.location_id).toBe(client.location.id);
  });

  it('says clearly when a location or staff member does not exist', async () => {
    const client = await createTestClient(hark.services);
    const unknown = await hark.fetch('/f/no-such-place');
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('could not find this feedback page');
    const unknownStaff = await hark.fetch(`/f/${client.location.code}/nobody`);
    expect(unknownStaff.status).toBe(404);
    expect(await unknownStaff.text()).toContain('could not find the staff member');
    const post = await postForm(hark, '/f/no-such-place', { score: '5' });
    expect(post.status).toBe(404);
  });

  it('pre-selects a score given in the link, and only a valid one', async () => {
    const client = await createTestClient(hark.services);
    expect((await openForm(hark, `/f/${client.location.code}?score=4`)).html).toContain('value="4" checked');
    expect((await openForm(hark, `/f/${client.location.code}?score=9`)).html).not.toMatch(/value="\d+" checked/);
  });
});

describe('submitting feedback', () => {
  it('stores score, comment and channel, and thanks the customer in the programme wording', async () => {
    const client = await createTestClient(hark.services);
    const result = await giveFeedback(hark, `/f/${client.location.code}`, { score: '4', comment: '  Good coffee, slow service  ' });
    expect(result.status).toBe(200);
    expect(result.html).toContain('Cheers for that');
    expect(result.html).toContain('The team reads every comment.');
    const rows = await feedbackOf(client);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ score: 4, comment: 'Good coffee, slow service', channel: 'web', scale: 'recommend_5', sub_measure_id: null });
  });

  it('records channel qr for visitors who came by the QR code', async () => {
    const client = await createTestClient(hark.services);
    const form = await openForm(hark, `/f/${client.location.code}?via=qr`);
    expect(form.html).toContain('name="via" value="qr"');
    await postForm(hark, `/f/${client.location.code}`, { token: form.token, via: 'qr', score: '5' });
    expect((await feedbackOf(client))[0]?.channel).toBe('qr');
  });

  it('stores contact details encrypted, the contact consent, and a prize-draw entry with both acceptances', async () => {
    const client = await createTestClient(hark.services, { prizeDraw: true });
    const form = await openForm(hark, `/f/${client.location.code}`);
    expect(form.html).toContain('Win a $50 voucher');
    const result = await postForm(hark, `/f/${client.location.code}`, {
      token: form.token,
      score: '2',
      comment: 'Cold food',
      name: 'Sam Brown',
      email: 'Sam.Brown@Example.com',
      mobile: '021 555 0123',
      contact_requested: 'yes',
      prize_draw: 'yes',
      accept_terms: 'yes',
      accept_privacy: 'yes',
    });
    expect(result.status).toBe(200);
    expect(result.html).toContain('You are in the prize draw');
    await withClient(hark.services.db, client.clientId, async (trx) => {
      const feedback = await trx.selectFrom('feedback').selectAll().where('client_id', '=', client.clientId).executeTakeFirstOrThrow();
      expect(feedback.contact_requested).toBe(true);
      expect(feedback.end_customer_id).not.toBeNull();
      const consents = await trx.selectFrom('consents').select(['kind', 'document_url']).where('client_id', '=', client.clientId).orderBy('kind').execute();
      expect(consents).toEqual([
        { kind: 'contact', document_url: null },
        { kind: 'privacy_policy', document_url: 'https://example.com/privacy' },
        { kind: 'prize_draw_terms', document_url: 'https://example.com/terms' },
      ]);
      const entries = await trx.selectFrom('prize_entries').selectAll().where('client_id', '=', client.clientId).execute();
      expect(entries).toHaveLength(1);
      const customer = await trx.selectFrom('end_customers').selectAll().where('client_id', '=', client.clientId).executeTakeFirstOrThrow();
      const keyring = await hark.services.keyrings.keyringFor(trx, client.clientId);
      expect(keyring.decrypt('email', customer.email_enc as Buffer)).toBe('sam.brown@example.com');
      expect(keyring.decrypt('mobile', customer.mobile_enc as Buffer)).toBe('+64215550123');
      expect(keyring.decrypt('name', customer.name_enc as Buffer)).toBe('Sam Brown');
    });
  });

  it('returns the same thank-you for a resubmitted form and stores one feedback', async () => {
    const client = await createTestClient(hark.services, { prizeDraw: true });
    const form = await openForm(hark, `/f/${client.location.code}`);
    const fields = {
      token: form.token,
      score: '5',
      comment: 'Lovely',
      receipt_code: client.receiptCodes[0] as string,
      email: 'twice@example.com',
      prize_draw: 'yes',
      accept_terms: 'yes',
      accept_privacy: 'yes',
    };
    const first = await postForm(hark, `/f/${client.location.code}`, fields);
    const again = await Promise.all([postForm(hark, `/f/${client.location.code}`, fields), postForm(hark, `/f/${client.location.code}`, fields)]);
    expect(first.status).toBe(200);
    for (const r of again) {
      expect(r.status).toBe(200);
      expect(r.html).toBe(first.html);
    }
    expect(await feedbackOf(client)).toHaveLength(1);
    const entries = await withClient(hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('prize_entries').select('id').where('client_id', '=', client.clientId).execute(),
    );
    expect(entries).toHaveLength(1);
  });
});

describe('bad input', () => {
  const cases: { name: string; answers: Record<string, string>; message: string }[] = [
    { name: 'no score', answers: { comment: 'forgot the score' }, message: 'Please choose a score.' },
    { name: 'a score above the scale', answers: { score: '6', comment: 'x' }, message: 'Please choose a score from 1 to 5.' },
    { name: 'a score below the scale', answers: { score: '0' }, message: 'Please choose a score from 1 to 5.' },
    { name: 'a negative score', answers: { score: '-1' }, message: 'Please choose a score from 1 to 5.' },
    { name: 'a score that is not a number', answers: { score: 'five' }, message: 'Please choose a score from 1 to 5.' },
    { name: 'a fractional score', answers: { score: '4.5' }, message: 'Please choose a score from 1 to 5.' },
    { name: 'an oversized comment', answers: { score: '3', comment: 'a'.repeat(2001) }, message: 'Your comment is 2,001 characters long' },
    { name: 'an email that is not one', answers: { score: '3', email: 'sam@' }, message: 'Please enter an email address' },
    { name: 'a mobile that is not one', answers: { score: '3', mobile: '12' }, message: 'Please enter a mobile number' },
    { name: 'a contact request without contact details', answers: { score: '1', contact_requested: 'yes' }, message: 'please give an email address or a mobile number' },
    { name: 'a malformed receipt code', answers: { score: '3', receipt_code: '!!' }, message: 'That receipt code does not look right' },
  ];
  for (const c of cases) {
    it(`refuses ${c.name} with a message, keeps what was typed, stores nothing`, async () => {
      const client = await createTestClient(hark.services);
      const result = await giveFeedback(hark, `/f/${client.location.code}`, { comment: 'kept text', ...c.answers });
      expect(result.status).toBe(400);
      expect(decodeEntities(result.html)).toContain(c.message);
      expect(result.html).toContain('Please check your answers');
      if (!('comment' in c.answers)) expect(result.html).toContain('kept text');
      expect(await feedbackOf(client)).toHaveLength(0);
    });
  }

  it('refuses a prize-draw entry without contact details or without accepting the terms', async () => {
    const client = await createTestClient(hark.services, { prizeDraw: true });
    const noContact = await giveFeedback(hark, `/f/${client.location.code}`, { score: '4', prize_draw: 'yes', accept_terms: 'yes', accept_privacy: 'yes' });
    expect(noContact.status).toBe(400);
    expect(noContact.html).toContain('To enter the draw, please give an email address or a mobile number');
    const noTerms = await giveFeedback(hark, `/f/${client.location.code}`, { score: '4', prize_draw: 'yes', email: 'a@example.com', accept_privacy: 'yes' });
    expect(noTerms.status).toBe(400);
    expect(noTerms.html).toContain('please accept its terms and the privacy policy');
    expect(noTerms.html).toContain('value="a@example.com"');
    expect(await feedbackOf(client)).toHaveLength(0);
  });

  it('escapes what the customer typed when showing the form again', async () => {
    const client = await createTestClient(hark.services);
    const result = await giveFeedback(hark, `/f/${client.location.code}`, { comment: '<script>alert(1)</script>', name: '"><img src=x>' });
    expect(result.status).toBe(400);
    expect(result.html).not.toContain('<script>alert(1)');
    expect(result.html).not.toContain('<img src=x>');
    expect(result.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('refuses a missing, forged or other-location form token, keeping the answers', async () => {
    const client = await createTestClient(hark.services);
    const path = `/f/${client.location.code}`;
    const missing = await postForm(hark, path, { score: '4', comment: 'no token' });
    expect(missing.status).toBe(400);
    expect(missing.html).toContain('Nothing was lost: please press Send again.');
    expect(missing.html).toContain('no token');
    const { token } = await openForm(hark, path);
    const forged = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect((await postForm(hark, path, { token: forged, score: '4' })).status).toBe(400);
    const otherToken = (await openForm(hark, `/f/${client.otherLocation.code}`)).token;
    expect((await postForm(hark, path, { token: otherToken, score: '4' })).status).toBe(400);
    expect(await feedbackOf(client)).toHaveLength(0);
    // The page shown with the error carries a fresh token: pressing Send again works.
    const retryToken = /name="token" value="([^"]+)"/.exec(missing.html)?.[1] ?? '';
    expect((await postForm(hark, path, { token: retryToken, score: '4', comment: 'no token' })).status).toBe(200);
    expect(await feedbackOf(client)).toHaveLength(1);
  });

  it('accepts a receipt code once, at its own location only', async () => {
    const client = await createTestClient(hark.services);
    const path = `/f/${client.location.code}`;
    const code = client.receiptCodes[0] as string;
    const first = await giveFeedback(hark, path, { score: '5', receipt_code: code.toLowerCase() });
    expect(first.status).toBe(200);
    const reused = await giveFeedback(hark, path, { score: '4', comment: 'second go', receipt_code: code });
    expect(reused.status).toBe(400);
    expect(reused.html).toContain('That receipt code has already been used');
    expect(reused.html).toContain('second go');
    const unknown = await giveFeedback(hark, path, { score: '4', receipt_code: 'ZZZZ9999' });
    expect(unknown.status).toBe(400);
    expect(unknown.html).toContain('We could not find that receipt code');
    const elsewhere = await giveFeedback(hark, path, { score: '4', receipt_code: client.otherLocationReceiptCodes[0] as string });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.html).toContain('belongs to another of our locations');

    const rows = await feedbackOf(client);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.receipt_code).toBe(code);
    const stored = await withClient(hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('receipt_codes').selectAll().where('client_id', '=', client.clientId).where('code', '=', code).executeTakeFirstOrThrow(),
    );
    expect(stored.feedback_id).toBe(rows[0]?.id);
    expect(stored.used_at).not.toBeNull();
    // The refused codes stay unused.
    const other = await withClient(hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('receipt_codes').select('used_at').where('client_id', '=', client.clientId).where('code', '=', client.otherLocationReceiptCodes[0] as string).executeTakeFirstOrThrow(),
    );
    expect(other.used_at).toBeNull();
  });

  it('gives two customers racing with one receipt code one success and one clear refusal', async () => {
    const client = await createTestClient(hark.services);
    const path = `/f/${client.location.code}`;
    const code = client.receiptCodes[1] as string;
    const [a, b] = await Promise.all([giveFeedback(hark, path, { score: '5', receipt_code: code }), giveFeedback(hark, path, { score: '3', receipt_code: code })]);
    expect([a.status, b.status].sort()).toEqual([200, 400]);
    expect(await feedbackOf(client)).toHaveLength(1);
  });

  it('refuses a body that is far too large with a readable page', async () => {
    const client = await createTestClient(hark.services);
    const result = await giveFeedback(hark, `/f/${client.location.code}`, { score: '3', comment: 'x'.repeat(40_000) });
    expect(result.status).toBe(413);
    expect(result.html).toContain('too large');
    expect(await feedbackOf(client)).toHaveLength(0);
  });
});

describe('QR codes', () => {
  it('serves a location QR code as SVG and PNG', async () => {
    const client = await createTestClient(hark.services);
    const svg = await hark.fetch(`/f/${client.location.code}/qr.svg`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toContain('image/svg+xml');
    const svgText = await svg.text();
    expect(svgText).toMatch(/^<svg[^>]+viewBox/);
    const png = await hark.fetch(`/f/${client.location.code}/qr.png`);
    expect(png.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await png.arrayBuffer());
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect((await hark.fetch('/f/no-such-place/qr.svg')).status).toBe(404);
    // It opens the location's page, marked as come by QR code.
    expect(svgText).toBe(await renderQrSvg(`${hark.services.publicUrl}/f/${client.location.code}?via=qr`));
  });

  it('serves a staff member’s QR code, which opens their page, and refuses one the location does not have', async () => {
    const client = await createTestClient(hark.services);
    const svg = await hark.fetch(`/f/${client.location.code}/${client.subMeasure.code}/qr.svg`);
    expect(svg.status).toBe(200);
    expect(await svg.text()).toBe(await renderQrSvg(`${hark.services.publicUrl}/f/${client.location.code}/${client.subMeasure.code}?via=qr`));
    const png = await hark.fetch(`/f/${client.location.code}/${client.subMeasure.code}/qr.png`);
    expect(png.headers.get('content-type')).toBe('image/png');
    const other = await hark.fetch(`/f/${client.otherLocation.code}/${client.subMeasure.code}/qr.svg`);
    expect(other.status).toBe(404);
    expect(await other.text()).toContain('</html>');
  });
});

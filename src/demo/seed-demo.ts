/**
 * Demo data for a new installation: one client with a programme, a region hierarchy of
 * locations with staff, receipt codes, and about six months of feedback whose scores,
 * channels and comments vary the way real feedback does. Deterministic: the same seed
 * gives the same data.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from '../clients/index.ts';
import type { Services } from '../context.ts';
import type { Channel } from '../db/schema.ts';
import { withClient, asClientId, type ClientId } from '../db/tenancy.ts';
import { createLocation, createProgramme, createReceiptCodes, createSubMeasure } from '../programmes/index.ts';
import { rebuildAllDailyRollups } from '../reports/index.ts';
import { complaints, middling, praise, staffNames } from './comments.ts';

export interface DemoSummary {
  clientId: ClientId;
  clientName: string;
  feedbackCount: number;
  locations: { name: string; code: string; subMeasureCodes: string[]; receiptCode: string }[];
}

export const DEMO_CLIENT_NAME = 'Harbour Lane Coffee';

/** Seeds the demo client unless the database already holds a client. */
export async function seedDemoIfEmpty(services: Services): Promise<DemoSummary | null> {
  const existing = await services.db.selectFrom('clients').select('id').limit(1).executeTakeFirst();
  if (existing) return describeDemo(services);
  return seedDemo(services);
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface DemoLocation {
  name: string;
  code: string;
  smsCode: string;
  region: string;
  /** Shifts this location's scores: some places are simply better run than others. */
  quality: number;
  dailyVolume: number;
}

const demoLocations: DemoLocation[] = [
  { name: 'Ponsonby Road', code: 'ponsonby', smsCode: 'PONSONBY', region: 'Auckland', quality: 0.6, dailyVolume: 6 },
  { name: 'Britomart', code: 'britomart', smsCode: 'BRITO', region: 'Auckland', quality: 0.1, dailyVolume: 7 },
  { name: 'Cuba Street', code: 'cuba-street', smsCode: 'CUBA', region: 'Wellington', quality: -0.5, dailyVolume: 4 },
  { name: 'Online orders', code: 'online', smsCode: 'ONLINE', region: 'Wellington', quality: -0.1, dailyVolume: 2 },
];

export async function seedDemo(services: Services, options: { days?: number; seed?: number } = {}): Promise<DemoSummary> {
  const random = mulberry32(options.seed ?? 20261125);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const days = options.days ?? 182;
  const { db } = services;

  const client = await createClient(db, services.keyrings.masterKey, {
    name: DEMO_CLIENT_NAME,
    country: 'NZ',
    timezone: 'Pacific/Auckland',
    privacyPolicyUrl: 'https://example.com/privacy',
  });
  const clientId = asClientId(client.id);
  const programme = await createProgramme(db, clientId, {
    name: 'Customer feedback',
    scale: 'nps_10',
    leadQuestion: 'How likely are you to recommend Harbour Lane Coffee to a friend?',
    followUpQuestion: 'What is the main reason for your score?',
    introText: 'It takes 20 seconds and every comment is read by the team.',
    thankYouTitle: 'Thanks, we read every one',
    thankYouText: 'Your feedback goes straight to the team at this café.',
    prizeDraw: { description: 'Win a $100 Harbour Lane voucher, drawn every month.', termsUrl: 'https://example.com/draw-terms' },
    privacyPolicyUrl: 'https://example.com/privacy',
    retentionMonths: 36,
  });

  const regions = new Map<string, string>();
  for (const region of ['Auckland', 'Wellington']) {
    const row = await createLocation(db, clientId, { programmeId: programme.id, name: `${region} region`, code: `${region.toLowerCase()}-region` });
    regions.set(region, row.id);
  }

  const summary: DemoSummary = { clientId, clientName: client.name, feedbackCount: 0, locations: [] };
  const places: { location: DemoLocation; id: string; staff: { id: string; name: string; skill: number }[] }[] = [];
  let staffIndex = 0;
  for (const location of demoLocations) {
    const row = await createLocation(db, clientId, {
      programmeId: programme.id,
      name: location.name,
      code: location.code,
      smsCode: location.smsCode,
      parentId: regions.get(location.region) ?? null,
    });
    const staff: { id: string; name: string; skill: number }[] = [];
    const staffCount = location.code === 'online' ? 0 : 3 + (staffIndex % 2);
    for (let i = 0; i < staffCount; i++) {
      const name = staffNames[staffIndex++ % staffNames.length] as string;
      const sub = await createSubMeasure(db, clientId, { locationId: row.id, name, code: name.toLowerCase() });
      staff.push({ id: sub.id, name, skill: (random() - 0.5) * 1.6 });
    }
    const receiptCodes = Array.from({ length: 25 }, (_, i) => `${location.smsCode.slice(0, 4)}${String(1000 + i * 37)}`);
    await createReceiptCodes(db, clientId, row.id, receiptCodes);
    places.push({ location, id: row.id, staff });
    summary.locations.push({ name: location.name, code: location.code, subMeasureCodes: staff.map((s) => s.name.toLowerCase()), receiptCode: receiptCodes[0] as string });
  }

  const now = Date.now();
  type Row = {
    client_id: string;
    id: string;
    programme_id: string;
    location_id: string;
    sub_measure_id: string | null;
    channel: Channel;
    scale: 'nps_10';
    score: number;
    comment: string;
    contact_requested: boolean;
    status: 'new' | 'resolved';
    category: 'complaint' | 'compliment' | 'suggestion' | 'general';
    submitted_at: Date;
  };
  const rows: Row[] = [];
  const contacts: { feedbackId: string; name: string; email: string }[] = [];
  for (let day = days; day >= 0; day--) {
    const date = new Date(now - day * 86_400_000);
    const weekday = date.getUTCDay();
    const weekend = weekday === 0 || weekday === 6 ? 1.5 : 1;
    // A slow improvement over the period, with a rough patch about two months ago.
    const trend = (days - day) / days - (day > 55 && day < 70 ? 0.8 : 0);
    for (const place of places) {
      const count = Math.round(place.location.dailyVolume * weekend * (0.6 + random() * 0.8));
      for (let i = 0; i < count; i++) {
        const staff = place.staff.length && random() < 0.75 ? pick(place.staff) : null;
        const mood = place.location.quality + (staff?.skill ?? 0) + trend * 0.6 + (random() - 0.5) * 3.2;
        const score = Math.max(0, Math.min(10, Math.round(8.2 + mood + (random() < 0.08 ? -5 : 0))));
        const channel: Channel =
          place.location.code === 'online' ? (random() < 0.7 ? 'web' : 'sms') : random() < 0.55 ? 'sms' : random() < 0.6 ? 'qr' : 'web';
        const hasComment = random() < (score <= 6 ? 0.85 : 0.55);
        const pool = score >= 9 ? praise : score >= 7 ? middling : complaints;
        const comment = hasComment ? pick(pool).replace('{staff}', staff?.name ?? 'The barista') : '';
        const minutes = 7 * 60 + Math.floor(random() * 10 * 60);
        const submittedAt = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) + minutes * 60_000 - 13 * 3_600_000);
        if (submittedAt.getTime() > now) continue;
        const id = randomUUID();
        const contactRequested = score <= 4 && random() < 0.4;
        rows.push({
          client_id: clientId,
          id,
          programme_id: programme.id,
          location_id: place.id,
          sub_measure_id: staff?.id ?? null,
          channel,
          scale: 'nps_10',
          score,
          comment,
          contact_requested: contactRequested,
          status: day > 14 && contactRequested ? 'resolved' : 'new',
          category: score <= 4 && hasComment ? 'complaint' : score >= 9 && hasComment ? 'compliment' : 'general',
          submitted_at: submittedAt,
        });
        if (contactRequested || random() < 0.05) {
          const first = pick(['Sam', 'Alex', 'Jordan', 'Taylor', 'Priya', 'Wiremu', 'Sofia', 'Tom', 'Mere', 'Lucy']);
          const last = pick(['Smith', 'Ngata', 'Chen', 'Patel', 'Brown', 'Wilson', 'Tane', 'Williams']);
          contacts.push({ feedbackId: id, name: `${first} ${last}`, email: `${first}.${last}${rows.length}@example.com`.toLowerCase() });
        }
      }
    }
  }

  await withClient(db, clientId, async (trx) => {
    const keyring = await services.keyrings.keyringFor(trx, clientId);
    const customerOf = new Map<string, string>();
    const customers = contacts.map((c) => {
      const id = randomUUID();
      customerOf.set(c.feedbackId, id);
      return {
        client_id: clientId,
        id,
        name_enc: keyring.encrypt('name', c.name),
        email_enc: keyring.encrypt('email', c.email),
        email_index: keyring.blindIndex('email', c.email),
      };
    });
    for (let i = 0; i < customers.length; i += 500) await trx.insertInto('end_customers').values(customers.slice(i, i + 500)).execute();
    const withCustomers = rows.map((r) => ({ ...r, end_customer_id: customerOf.get(r.id) ?? null }));
    for (let i = 0; i < withCustomers.length; i += 500) await trx.insertInto('feedback').values(withCustomers.slice(i, i + 500)).execute();
    await rebuildAllDailyRollups(trx, clientId);
  });
  summary.feedbackCount = rows.length;
  return summary;
}

/** Describes the demo client already in the database, for the start-up message. */
async function describeDemo(services: Services): Promise<DemoSummary | null> {
  const client = await services.db.selectFrom('clients').select(['id', 'name']).where('name', '=', DEMO_CLIENT_NAME).executeTakeFirst();
  if (!client) return null;
  const clientId = asClientId(client.id);
  return withClient(services.db, clientId, async (trx) => {
    const locations = await trx
      .selectFrom('locations')
      .select(['id', 'name', 'code'])
      .where('client_id', '=', clientId)
      .where('sms_code', 'is not', null)
      .orderBy('created_at')
      .execute();
    const subs = await trx.selectFrom('sub_measures').select(['location_id', 'code']).where('client_id', '=', clientId).execute();
    const codes = await trx
      .selectFrom('receipt_codes')
      .select(['location_id', (eb) => eb.fn.min('code').as('code')])
      .where('client_id', '=', clientId)
      .where('used_at', 'is', null)
      .groupBy('location_id')
      .execute();
    const count = await trx.selectFrom('feedback').select((eb) => eb.fn.countAll<number>().as('n')).where('client_id', '=', clientId).executeTakeFirstOrThrow();
    return {
      clientId,
      clientName: client.name,
      feedbackCount: Number(count.n),
      locations: locations.map((l) => ({
        name: l.name,
        code: l.code,
        subMeasureCodes: subs.filter((s) => s.location_id === l.id).map((s) => s.code),
        receiptCode: codes.find((c) => c.location_id === l.id)?.code ?? '',
      })),
    };
  });
}

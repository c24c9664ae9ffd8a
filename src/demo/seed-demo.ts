/**
 * Demo data for a new installation: one client with a programme, a region hierarchy of
 * locations with staff, receipt codes, and about six months of feedback whose scores,
 * channels and comments vary the way real feedback does. Deterministic: the same seed
 * gives the same data.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { addMembership, createUser } from '../accounts/index.ts';
import { createClient } from '../clients/index.ts';
import type { Services } from '../context.ts';
import type { Channel, MembershipRole } from '../db/schema.ts';
import { withClient, asClientId, type ClientId } from '../db/tenancy.ts';
import { createLocation, createProgramme, createReceiptCodes, createSubMeasure, type NewProgramme } from '../programmes/index.ts';
import { rebuildAllDailyRollups } from '../reports/index.ts';
import { analyseAllComments } from '../comments/index.ts';
import { loadServiceLevel } from '../cases/service-level.ts';
import type { ConversationWording } from '../sms/wording.ts';
import { composeComment, staffNames, type CommentKind } from './comments.ts';
import { seedDemoCases } from './cases.ts';
import { demoTextThreads } from './sms-threads.ts';

export interface DemoSummary {
  clientId: ClientId;
  clientName: string;
  feedbackCount: number;
  /** The number the demo's customers text (through the development SMS provider). */
  smsNumber: string | null;
  locations: { name: string; code: string; smsCode: string; subMeasureCodes: string[]; receiptCode: string }[];
  /** Portal sign-ins of the demo's people (their password is the published demo password). */
  logins: { email: string; password: string; role: MembershipRole; scope: string }[];
  /** The demo installation's operator staff sign-in (the operator console), if still there. */
  operatorLogin: { email: string; password: string } | null;
}

const demoProgramme = {
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
} satisfies NewProgramme;

/** The demo programme's wording, as a text conversation at one of its locations uses it. */
function demoWording(clientName: string, locationName: string): ConversationWording {
  return {
    clientName,
    locationName,
    scale: demoProgramme.scale,
    leadQuestion: demoProgramme.leadQuestion,
    followUpQuestion: demoProgramme.followUpQuestion,
    thankYouTitle: demoProgramme.thankYouTitle,
    thankYouText: demoProgramme.thankYouText,
    prizeDrawEnabled: true,
    prizeDrawDescription: demoProgramme.prizeDraw.description,
    prizeDrawTermsUrl: demoProgramme.prizeDraw.termsUrl,
    privacyPolicyUrl: demoProgramme.privacyPolicyUrl,
  };
}

/** Recent feedback by SMS comes with the texts behind it. */
const DEMO_TEXT_THREAD_DAYS = 30;

/**
 * The demo's people. Their password is published in the start-up message and the README:
 * the demo is for trying Hark, never for real data.
 */
export const DEMO_PASSWORD = 'harbour-lane-demo';
/** A made-up New Zealand mobile number: with the development provider no text leaves Hark. */
export const DEMO_SMS_NUMBER = '+6421555010';
const demoPeople = [
  { email: 'owner@harbourlane.example', name: 'Hana Walker', role: 'owner', region: null },
  { email: 'manager@harbourlane.example', name: 'Rawiri Tane', role: 'manager', region: 'Auckland' },
  { email: 'viewer@harbourlane.example', name: 'Grace Liu', role: 'viewer', region: null },
] as const;

/** Operator staff of the demo installation: they run the operator console (privacy requests, clients …). */
export const DEMO_OPERATOR = { email: 'operator@hark.example', name: 'Olivia Operator' } as const;

export const DEMO_CLIENT_NAME = 'Harbour Lane Coffee';

/** Why the demo could not be loaded, in words for the person at the command line. */
export class DemoError extends Error {}

export interface SeedHooks {
  /** Called when loading actually begins (the database was empty): it takes a few seconds. */
  onSeeding?: () => void;
}

/**
 * Seeds the demo client unless the database already holds a client, and describes the demo
 * client when it is there (null when other clients are there instead). On PostgreSQL, the
 * check and the load hold an advisory lock, so processes started together seed once.
 */
export async function seedDemoIfEmpty(services: Services, hooks: SeedHooks = {}): Promise<DemoSummary | null> {
  return withSeedLock(services, async () => {
    if (await hasClients(services)) return findDemo(services);
    hooks.onSeeding?.();
    return seedDemoUnlocked(services);
  });
}

/** Whether the database holds any client at all. */
export async function hasClients(services: Services): Promise<boolean> {
  const existing = await services.db.selectFrom('clients').select('id').limit(1).executeTakeFirst();
  return existing !== undefined;
}

/**
 * Runs `work` holding a PostgreSQL advisory lock, taken on a connection of its own (the
 * pool may be one connection). Embedded PGlite has one process by construction: no lock.
 */
async function withSeedLock<T>(services: Services, work: () => Promise<T>): Promise<T> {
  const url = services.config.databaseUrl;
  if (!url) return work();
  const lock = new pg.Client({ connectionString: url });
  lock.on('error', () => {});
  await lock.connect();
  try {
    await lock.query(`select pg_advisory_lock(hashtext('hark:seed-demo'))`);
    return await work();
  } finally {
    await lock.end().catch(() => {});
  }
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

const demoRegions = ['Auckland', 'Wellington'] as const;
const regionCode = (region: string): string => `${region.toLowerCase()}-region`;

/** Every location code the demo uses: codes are unique across the installation. */
export const DEMO_LOCATION_CODES: readonly string[] = [...demoRegions.map(regionCode), ...demoLocations.map((l) => l.code)];

/**
 * Loads the demo client whatever else the database holds. Refuses, before writing anything,
 * when another client already uses one of the demo's location codes (the demo itself, say).
 */
export async function seedDemo(services: Services, options: { days?: number; seed?: number } = {}): Promise<DemoSummary> {
  return withSeedLock(services, () => seedDemoUnlocked(services, options));
}

async function seedDemoUnlocked(services: Services, options: { days?: number; seed?: number } = {}): Promise<DemoSummary> {
  const taken = await services.db.selectFrom('locations').select('code').where('code', 'in', [...DEMO_LOCATION_CODES]).orderBy('code').execute();
  if (taken.length) {
    throw new DemoError(
      `the demo cannot be loaded: its location codes are already in use (${taken.map((t) => t.code).join(', ')})` +
        (taken.some((t) => t.code === demoLocations[0]?.code) ? '; the demo client is most likely loaded already' : ''),
    );
  }
  const random = mulberry32(options.seed ?? 20261125);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const days = options.days ?? 182;
  const { db } = services;

  const client = await createClient(db, services.keyrings, {
    name: DEMO_CLIENT_NAME,
    country: 'NZ',
    timezone: 'Pacific/Auckland',
    privacyPolicyUrl: 'https://example.com/privacy',
  });
  const clientId = asClientId(client.id);
  await withClient(db, clientId, (trx) => trx.updateTable('clients').set({ sms_number: DEMO_SMS_NUMBER }).where('id', '=', clientId).execute());
  const programme = await createProgramme(db, clientId, demoProgramme);

  const regions = new Map<string, string>();
  for (const region of demoRegions) {
    const row = await createLocation(db, clientId, { programmeId: programme.id, name: `${region} region`, code: regionCode(region) });
    regions.set(region, row.id);
  }

  const summary: DemoSummary = { clientId, clientName: client.name, feedbackCount: 0, smsNumber: DEMO_SMS_NUMBER, locations: [], logins: [], operatorLogin: null };
  for (const person of demoPeople) {
    const userId = await createUser(db, { email: person.email, name: person.name, password: DEMO_PASSWORD });
    const regionId = person.region ? regions.get(person.region) : undefined;
    await addMembership(db, { clientId, userId, role: person.role, locationScope: regionId ? [regionId] : null });
    summary.logins.push({ email: person.email, password: DEMO_PASSWORD, role: person.role, scope: person.region ? `${person.region} region` : 'all locations' });
  }
  if (!(await db.selectFrom('users').select('id').where('email', '=', DEMO_OPERATOR.email).executeTakeFirst())) {
    await createUser(db, { ...DEMO_OPERATOR, password: DEMO_PASSWORD, kind: 'operator' });
  }
  summary.operatorLogin = { email: DEMO_OPERATOR.email, password: DEMO_PASSWORD };
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
    summary.locations.push({ name: location.name, code: location.code, smsCode: location.smsCode, subMeasureCodes: staff.map((s) => s.name.toLowerCase()), receiptCode: receiptCodes[0] as string });
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
        // A few visits go badly whatever the place: the long tail of low scores.
        const score = Math.max(0, Math.min(10, Math.round(8.2 + mood + (random() < 0.08 ? -4 - random() * 4 : 0))));
        const channel: Channel =
          place.location.code === 'online' ? (random() < 0.7 ? 'web' : 'sms') : random() < 0.55 ? 'sms' : random() < 0.6 ? 'qr' : 'web';
        const hasComment = random() < (score <= 6 ? 0.85 : 0.55);
        const kind: CommentKind =
          score >= 9 ? (random() < 0.1 ? 'suggestion' : 'praise') : score >= 7 ? (random() < 0.35 ? 'suggestion' : 'middling') : score >= 5 ? (random() < 0.5 ? 'middling' : 'complaint') : 'complaint';
        const comment = hasComment ? composeComment(random, kind, { staff: staff?.name ?? null, online: place.location.code === 'online' }) : '';
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
          category: !hasComment ? 'general' : kind === 'complaint' ? 'complaint' : kind === 'praise' ? 'compliment' : kind === 'suggestion' ? 'suggestion' : 'general',
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
    const texts = demoTextThreads(
      keyring,
      rows.filter((r) => r.channel === 'sms' && r.submitted_at.getTime() > now - DEMO_TEXT_THREAD_DAYS * 86_400_000).map((r) => ({ ...r, end_customer_id: customerOf.get(r.id) ?? null })),
      programme.id,
      new Map(places.map((p) => [p.id, { smsCode: p.location.smsCode, wording: demoWording(client.name, p.location.name) }])),
      random,
    );
    for (let i = 0; i < texts.customers.length; i += 500) await trx.insertInto('end_customers').values(texts.customers.slice(i, i + 500)).execute();
    for (const m of texts.mobilesForExisting) {
      await trx.updateTable('end_customers').set({ mobile_enc: m.mobile_enc, mobile_index: m.mobile_index }).where('client_id', '=', clientId).where('id', '=', m.id).execute();
    }
    const withCustomers = rows.map((r) => ({ ...r, end_customer_id: customerOf.get(r.id) ?? texts.customerOf.get(r.id) ?? null }));
    for (let i = 0; i < withCustomers.length; i += 500) await trx.insertInto('feedback').values(withCustomers.slice(i, i + 500)).execute();
    for (let i = 0; i < texts.recipients.length; i += 500) await trx.insertInto('sms_recipients').values(texts.recipients.slice(i, i + 500)).execute();
    for (let i = 0; i < texts.conversations.length; i += 500) await trx.insertInto('sms_conversations').values(texts.conversations.slice(i, i + 500)).execute();
    for (let i = 0; i < texts.messages.length; i += 500) await trx.insertInto('sms_messages').values(texts.messages.slice(i, i + 500)).execute();
    // Resolved complaints were answered: a reply by email the next morning, and a note.
    const owner = await trx.selectFrom('memberships').select('user_id').where('client_id', '=', clientId).where('role', '=', 'owner').executeTakeFirstOrThrow();
    const answered = withCustomers.filter((r) => r.status === 'resolved' && r.end_customer_id);
    const replies = answered.flatMap((r) => {
      const repliedAt = new Date(r.submitted_at.getTime() + 18 * 3_600_000);
      return [
        { client_id: clientId, feedback_id: r.id, location_id: r.location_id, kind: 'email' as const, author_user_id: owner.user_id, subject: 'About your visit', body: 'Kia ora, thank you for telling us, and sorry we let you down. Your next coffee is on us: show this email at the counter. Ngā mihi, Hana', status: 'sent' as const, created_at: repliedAt, sent_at: repliedAt },
        { client_id: clientId, feedback_id: r.id, location_id: r.location_id, kind: 'note' as const, author_user_id: owner.user_id, subject: null, body: 'Talked it through with the shift lead.', status: 'recorded' as const, created_at: new Date(repliedAt.getTime() + 600_000), sent_at: null },
      ];
    });
    for (let i = 0; i < replies.length; i += 500) await trx.insertInto('responses').values(replies.slice(i, i + 500)).execute();
    for (const r of answered) {
      await trx.updateTable('feedback').set({ first_response_at: new Date(r.submitted_at.getTime() + 18 * 3_600_000) }).where('client_id', '=', clientId).where('id', '=', r.id).execute();
    }
    const manager = await trx.selectFrom('memberships').select('user_id').where('client_id', '=', clientId).where('role', '=', 'manager').executeTakeFirstOrThrow();
    await seedDemoCases(
      trx,
      clientId,
      await loadServiceLevel(trx, clientId),
      withCustomers,
      {
        ownerId: owner.user_id,
        managerId: manager.user_id,
        managerLocationIds: new Set(places.filter((p) => p.location.region === 'Auckland').map((p) => p.id)),
      },
      random,
    );
    await rebuildAllDailyRollups(trx, clientId);
    await analyseAllComments(trx, clientId);
  });
  summary.feedbackCount = rows.length;
  return summary;
}

/**
 * Describes the demo client already in the database, for the start-up message, or null
 * when there is none. The demo client is the one that owns the demo's first location code
 * (a name can be shared; the code cannot). A feedbackCount of 0 means its loading was
 * interrupted: feedback is written last.
 */
export async function findDemo(services: Services): Promise<DemoSummary | null> {
  const client = await services.db
    .selectFrom('locations')
    .innerJoin('clients', 'clients.id', 'locations.client_id')
    .select(['clients.id as id', 'clients.name as name', 'clients.sms_number as sms_number'])
    .where('locations.code', '=', demoLocations[0]?.code ?? '')
    .executeTakeFirst();
  if (!client) return null;
  const clientId = asClientId(client.id);
  return withClient(services.db, clientId, async (trx) => {
    const locations = await trx
      .selectFrom('locations')
      .select(['id', 'name', 'code', 'sms_code'])
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
    const members = await trx.selectFrom('memberships').select('user_id').where('client_id', '=', clientId).execute();
    return {
      clientId,
      clientName: client.name,
      feedbackCount: Number(count.n),
      smsNumber: client.sms_number,
      locations: locations.map((l) => ({
        name: l.name,
        code: l.code,
        smsCode: l.sms_code ?? '',
        subMeasureCodes: subs.filter((s) => s.location_id === l.id).map((s) => s.code),
        receiptCode: codes.find((c) => c.location_id === l.id)?.code ?? '',
      })),
      members: members.map((m) => m.user_id),
    };
  }).then(async ({ members, ...demo }) => {
    // The demo's people, as long as they still belong to it (an admin may have removed them).
    const users = await services.db.selectFrom('users').select(['id', 'email', 'kind']).where('email', 'in', [...demoPeople.map((p) => p.email), DEMO_OPERATOR.email]).execute();
    const logins = demoPeople
      .filter((p) => users.some((u) => u.email === p.email && members.includes(u.id)))
      .map((p) => ({ email: p.email, password: DEMO_PASSWORD, role: p.role, scope: p.region ? `${p.region} region` : 'all locations' }));
    const operator = users.some((u) => u.email === DEMO_OPERATOR.email && u.kind === 'operator');
    return { ...demo, logins, operatorLogin: operator ? { email: DEMO_OPERATOR.email, password: DEMO_PASSWORD } : null };
  });
}

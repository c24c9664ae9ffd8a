/** A client as the SMS domain sees it: its number, its clock and its contact rules. */
import type { Kysely } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { Database } from '../db/schema.ts';
import { asClientId, type ClientId, type Trx } from '../db/tenancy.ts';
import type { QuietHours } from './quiet-hours.ts';

export interface SmsClient {
  id: ClientId;
  name: string;
  number: string | null;
  country: string;
  timezone: string;
  privacyPolicyUrl: string | null;
  quarantineDays: number;
  quietHours: QuietHours;
  conversationMinutes: number;
}

function smsClientQuery(db: Kysely<Database>) {
  return db
    .selectFrom('clients')
    .select([
      'id',
      'name',
      'sms_number',
      'country',
      'timezone',
      'privacy_policy_url',
      'sms_quarantine_days',
      'sms_quiet_start',
      'sms_quiet_end',
      'sms_conversation_minutes',
    ]);
}

type SmsClientRow = NonNullable<Awaited<ReturnType<ReturnType<typeof smsClientQuery>['executeTakeFirst']>>>;

function toSmsClient(row: SmsClientRow): SmsClient {
  return {
    id: asClientId(row.id),
    name: row.name,
    number: row.sms_number,
    country: row.country,
    timezone: row.timezone,
    privacyPolicyUrl: row.privacy_policy_url,
    quarantineDays: row.sms_quarantine_days,
    quietHours: { start: row.sms_quiet_start, end: row.sms_quiet_end },
    conversationMinutes: row.sms_conversation_minutes,
  };
}

/**
 * The client whose number a text was sent to. Like the public feedback link, an inbound
 * text names no client, so this one lookup runs as the owning role; everything after it
 * runs in the client's own transaction.
 */
export async function findSmsClientByNumber(db: Db, number: string): Promise<SmsClient | null> {
  const row = await smsClientQuery(db).where('sms_number', '=', number).executeTakeFirst();
  return row ? toSmsClient(row) : null;
}

export async function loadSmsClient(trx: Trx, clientId: ClientId): Promise<SmsClient> {
  return toSmsClient(await smsClientQuery(trx).where('id', '=', clientId).executeTakeFirstOrThrow());
}

/** The client that a provider's message id belongs to (status callbacks name only the message). */
export async function findClientOfProviderMessage(db: Db, provider: 'dev' | 'twilio', providerMessageId: string): Promise<ClientId | null> {
  const row = await db
    .selectFrom('sms_messages')
    .select('client_id')
    .where('provider', '=', provider)
    .where('provider_message_id', '=', providerMessageId)
    .executeTakeFirst();
  return row ? asClientId(row.client_id) : null;
}

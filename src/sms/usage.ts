/** How many texts went out and came in over a period, and how many segments they cost. */
import { sql } from 'kysely';
import { withAccess, type Access } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import type { SmsMessageKind } from '../db/schema.ts';

export interface SmsUsage {
  from: string;
  to: string;
  sent: { messages: number; segments: number };
  failed: number;
  blocked: number;
  waiting: number;
  received: { messages: number; segments: number };
  byKind: { kind: SmsMessageKind; messages: number; segments: number }[];
}

/**
 * Texts from the first to the last day given (inclusive, YYYY-MM-DD, in the client's own
 * calendar), as the viewer's location scope lets them see.
 */
export async function smsUsage(services: Services, access: Access, period: { from: string; to: string; locationIds?: string[] | undefined }): Promise<SmsUsage> {
  const { from, to, locationIds } = period;
  const timezone = sql`(select timezone from clients where id = ${access.clientId})`;
  const rows = await withAccess(services.db, access, (trx) =>
    trx
      .selectFrom('sms_messages')
      .select(['direction', 'kind', 'status', sql<number>`count(*)::int`.as('messages'), sql<number>`coalesce(sum(segments), 0)::int`.as('segments')])
      .where('client_id', '=', access.clientId)
      .where('created_at', '>=', sql<Date>`(${from}::date)::timestamp at time zone ${timezone}`)
      .where('created_at', '<', sql<Date>`(${to}::date + 1)::timestamp at time zone ${timezone}`)
      .$if(locationIds !== undefined, (q) => q.where('location_id', 'in', locationIds?.length ? locationIds : ['00000000-0000-0000-0000-000000000000']))
      .groupBy(['direction', 'kind', 'status'])
      .execute(),
  );
  const usage: SmsUsage = {
    from,
    to,
    sent: { messages: 0, segments: 0 },
    failed: 0,
    blocked: 0,
    waiting: 0,
    received: { messages: 0, segments: 0 },
    byKind: [],
  };
  const kinds = new Map<SmsMessageKind, { messages: number; segments: number }>();
  for (const row of rows) {
    if (row.direction === 'inbound') {
      usage.received.messages += row.messages;
      usage.received.segments += row.segments;
      continue;
    }
    if (row.status === 'sent' || row.status === 'delivered' || row.status === 'undelivered') {
      usage.sent.messages += row.messages;
      usage.sent.segments += row.segments;
      const kind = kinds.get(row.kind) ?? { messages: 0, segments: 0 };
      kind.messages += row.messages;
      kind.segments += row.segments;
      kinds.set(row.kind, kind);
    } else if (row.status === 'failed') usage.failed += row.messages;
    else if (row.status === 'blocked') usage.blocked += row.messages;
    else usage.waiting += row.messages;
  }
  usage.byKind = [...kinds].map(([kind, n]) => ({ kind, ...n })).sort((a, b) => b.messages - a.messages);
  return usage;
}

/**
 * Finds a person in one client: every row that holds or hangs off their contact details,
 * located by the client's own blind indexes (one HMAC per client and identifier), inside
 * the client's transaction so row-level security keeps the search to that client.
 */
import type { Trx } from '../../db/tenancy.ts';
import type { ClientKeyring } from '../../keys/index.ts';

export interface Identifier {
  kind: 'email' | 'mobile';
  /** Normalised: lower-case email, E.164 mobile. */
  value: string;
}

export async function findPersonInClient(trx: Trx, keyring: ClientKeyring, identifiers: readonly Identifier[]) {
  const clientId = keyring.clientId;
  const emailIndexes = identifiers.filter((i) => i.kind === 'email').map((i) => keyring.blindIndex('email', i.value));
  const mobileIndexes = identifiers.filter((i) => i.kind === 'mobile').map((i) => keyring.blindIndex('mobile', i.value));

  const endCustomers =
    emailIndexes.length + mobileIndexes.length === 0
      ? []
      : await trx
          .selectFrom('end_customers')
          .selectAll()
          .where('client_id', '=', clientId)
          .where((eb) =>
            eb.or([
              ...(emailIndexes.length ? [eb('email_index', 'in', emailIndexes)] : []),
              ...(mobileIndexes.length ? [eb('mobile_index', 'in', mobileIndexes)] : []),
            ]),
          )
          .orderBy('created_at')
          .execute();
  const customerIds = endCustomers.map((c) => c.id);

  const feedback = customerIds.length
    ? await trx
        .selectFrom('feedback as f')
        .innerJoin('locations as l', (j) => j.onRef('l.client_id', '=', 'f.client_id').onRef('l.id', '=', 'f.location_id'))
        .select(['f.id', 'f.end_customer_id', 'f.channel', 'f.scale', 'f.score', 'f.comment', 'f.status', 'f.category', 'f.contact_requested', 'f.submitted_at', 'l.name as location_name'])
        .where('f.client_id', '=', clientId)
        .where('f.end_customer_id', 'in', customerIds)
        .orderBy('f.submitted_at')
        .execute()
    : [];
  const feedbackIds = feedback.map((f) => f.id);

  const responses = feedbackIds.length
    ? await trx
        .selectFrom('responses')
        .select(['id', 'feedback_id', 'kind', 'direction', 'subject', 'body', 'status', 'created_at', 'sent_at', 'author_user_id'])
        .where('client_id', '=', clientId)
        .where('feedback_id', 'in', feedbackIds)
        .orderBy('created_at')
        .execute()
    : [];
  const consents = customerIds.length
    ? await trx.selectFrom('consents').select(['id', 'end_customer_id', 'feedback_id', 'kind', 'document_url', 'given_at']).where('client_id', '=', clientId).where('end_customer_id', 'in', customerIds).orderBy('given_at').execute()
    : [];
  const prizeEntries = customerIds.length
    ? await trx.selectFrom('prize_entries').select(['id', 'end_customer_id', 'feedback_id', 'entered_at']).where('client_id', '=', clientId).where('end_customer_id', 'in', customerIds).orderBy('entered_at').execute()
    : [];
  const statements = customerIds.length
    ? await trx.selectFrom('privacy_correction_statements').select(['id', 'end_customer_id', 'feedback_id', 'statement_enc', 'created_at']).where('client_id', '=', clientId).where('end_customer_id', 'in', customerIds).orderBy('created_at').execute()
    : [];

  const smsRecipients = mobileIndexes.length
    ? await trx.selectFrom('sms_recipients').selectAll().where('client_id', '=', clientId).where('mobile_index', 'in', mobileIndexes).execute()
    : [];
  const smsConversations = mobileIndexes.length
    ? await trx
        .selectFrom('sms_conversations')
        .select(['id', 'mobile_index', 'origin', 'state', 'score', 'comment', 'prize_draw', 'name_enc', 'email_enc', 'feedback_id', 'started_at', 'closed_at'])
        .where('client_id', '=', clientId)
        .where('mobile_index', 'in', mobileIndexes)
        .orderBy('started_at')
        .execute()
    : [];
  const smsMessages = mobileIndexes.length
    ? await trx
        .selectFrom('sms_messages')
        .select(['id', 'mobile_index', 'direction', 'kind', 'body_enc', 'status', 'feedback_id', 'response_id', 'created_at'])
        .where('client_id', '=', clientId)
        .where('mobile_index', 'in', mobileIndexes)
        .orderBy('created_at')
        .execute()
    : [];

  return { endCustomers, feedback, responses, consents, prizeEntries, statements, smsRecipients, smsConversations, smsMessages };
}

export type PersonInClient = Awaited<ReturnType<typeof findPersonInClient>>;

/** Row counts per table, for search results and audit entries. */
export function countRows(found: PersonInClient): Record<string, number> {
  return {
    endCustomers: found.endCustomers.length,
    feedback: found.feedback.length,
    responses: found.responses.length,
    consents: found.consents.length,
    prizeEntries: found.prizeEntries.length,
    correctionStatements: found.statements.length,
    smsRecipients: found.smsRecipients.length,
    smsConversations: found.smsConversations.length,
    smsMessages: found.smsMessages.length,
  };
}

/** Every id found, for finding queued jobs that refer to the person's rows. */
export function idsOf(found: PersonInClient): string[] {
  return [
    ...found.endCustomers.map((r) => r.id),
    ...found.feedback.map((r) => r.id),
    ...found.responses.map((r) => r.id),
    ...found.smsConversations.map((r) => r.id),
    ...found.smsMessages.map((r) => r.id),
  ];
}

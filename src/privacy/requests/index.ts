/**
 * Privacy requests: a person's request for access to or correction of what Hark holds about
 * them, across every client. Owns privacy_requests, privacy_request_identifiers,
 * privacy_access_packages, privacy_request_subjects and privacy_correction_statements.
 */
import type { Trx, ClientId } from '../../db/tenancy.ts';

export { privacyRequestPages } from './public-routes.ts';
export { privacyRequestRoutes } from './routes.ts';
export { readCorrectionStatements } from './correct.ts';
export { sendPrivacyRequestReminders, scheduleReminders as schedulePrivacyRequestReminders } from './jobs/send-reminders.ts';

/**
 * The end customers of this client that an open privacy request concerns (found by its
 * search and not yet answered or refused): retention and deletion must leave them alone.
 * Runs inside the client's own transaction (withClient).
 */
export async function endCustomersUnderOpenRequest(trx: Trx, clientId: ClientId): Promise<Set<string>> {
  const rows = await trx
    .selectFrom('privacy_request_subjects')
    .select('end_customer_id')
    .distinct()
    .where('client_id', '=', clientId)
    .where('closed_at', 'is', null)
    .where('end_customer_id', 'is not', null)
    .execute();
  return new Set(rows.map((r) => r.end_customer_id).filter((id): id is string => id !== null));
}

/** The mobile numbers (blind indexes under the client's key) under an open request: their texts are held too. */
export async function mobileIndexesUnderOpenRequest(trx: Trx, clientId: ClientId): Promise<Buffer[]> {
  const rows = await trx
    .selectFrom('privacy_request_subjects')
    .select('mobile_index')
    .where('client_id', '=', clientId)
    .where('closed_at', 'is', null)
    .where('mobile_index', 'is not', null)
    .execute();
  return rows.map((r) => r.mobile_index).filter((i): i is Buffer => i !== null);
}

/**
 * Delivery reports from the provider. A report moves a message forward only (reports may
 * arrive out of order or twice); an undelivered or failed report marks a staff reply failed.
 */
import type { Services } from '../context.ts';
import type { SmsMessageStatus, SmsProviderName } from '../db/schema.ts';
import { withClient } from '../db/tenancy.ts';
import { markOptedOut } from './recipients.ts';
import { findClientOfProviderMessage } from './sms-clients.ts';

export type ReportedStatus = 'sent' | 'delivered' | 'undelivered' | 'failed';

const rank: Record<SmsMessageStatus, number> = {
  received: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  blocked: 4,
};

/**
 * A report can overtake the send's own record of the provider's message id: the provider
 * answers the send, reports at once, and the sending worker commits a moment later. So an
 * unknown id is looked up again for a little while before the report is dropped.
 */
async function findClientAfterSend(services: Services, provider: SmsProviderName, providerMessageId: string) {
  for (let attempt = 0; ; attempt++) {
    const clientId = await findClientOfProviderMessage(services.db, provider, providerMessageId);
    if (clientId || attempt === 5) return clientId;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Twilio reports the carrier's STOP this way: the number is treated as opted out. */
const CARRIER_UNSUBSCRIBED = '21610';

export async function applyDeliveryStatus(
  services: Services,
  report: { provider: SmsProviderName; providerMessageId: string; status: ReportedStatus; errorCode: string | null },
): Promise<'updated' | 'unchanged' | 'unknown_message'> {
  const clientId = await findClientAfterSend(services, report.provider, report.providerMessageId);
  if (!clientId) return 'unknown_message';
  return withClient(services.db, clientId, async (trx) => {
    const message = await trx
      .selectFrom('sms_messages')
      .select(['id', 'status', 'response_id', 'mobile_index'])
      .where('client_id', '=', clientId)
      .where('provider', '=', report.provider)
      .where('provider_message_id', '=', report.providerMessageId)
      .forUpdate()
      .executeTakeFirst();
    if (!message || rank[report.status] <= rank[message.status]) return 'unchanged';
    const failed = report.status === 'undelivered' || report.status === 'failed';
    await trx
      .updateTable('sms_messages')
      .set({
        status: report.status,
        status_at: new Date(),
        error_code: report.errorCode,
        error: failed ? `The carrier reported the text ${report.status}${report.errorCode ? ` (code ${report.errorCode})` : ''}.` : null,
      })
      .where('client_id', '=', clientId)
      .where('id', '=', message.id)
      .execute();
    if (failed && message.response_id) {
      await trx.updateTable('responses').set({ status: 'failed', error: 'The text could not be delivered.' }).where('client_id', '=', clientId).where('id', '=', message.response_id).execute();
    }
    if (report.errorCode === CARRIER_UNSUBSCRIBED) await markOptedOut(trx, clientId, message.mobile_index, 'carrier');
    return 'updated';
  });
}

/**
 * Contact details in deliveries to endpoints allowed them. They are read at send time from
 * where the client keeps them (the end customer, or the opted-out number), decrypted with
 * the client's data key, and added to the signed body of that attempt only: the outbox never
 * holds a copy, and a customer corrected or erased since is sent as they are now.
 */
import type { Selectable } from 'kysely';
import type { Services } from '../context.ts';
import type { ClientId, Trx } from '../db/tenancy.ts';
import { readContactDetails, type ContactDetails } from '../end-customers/index.ts';
import type { WebhookDeliveriesTable } from './tables.ts';

type ContactReference = Pick<Selectable<WebhookDeliveriesTable>, 'end_customer_id' | 'mobile_index'>;

export async function readDeliveryContact(services: Services, trx: Trx, clientId: ClientId, delivery: ContactReference): Promise<ContactDetails | null> {
  if (!delivery.end_customer_id && !delivery.mobile_index) return null;
  const keyring = await services.keyrings.keyringFor(trx, clientId);
  if (delivery.end_customer_id) return readContactDetails(trx, keyring, delivery.end_customer_id);
  // An opted-out number may belong to no end customer (an invitation only): the SMS domain's
  // record of the number is where it is kept.
  const recipient = await trx
    .selectFrom('sms_recipients')
    .select('mobile_enc')
    .where('client_id', '=', clientId)
    .where('mobile_index', '=', delivery.mobile_index as Buffer)
    .executeTakeFirst();
  return recipient ? { name: null, email: null, mobile: keyring.decrypt('mobile', recipient.mobile_enc) } : null;
}

/** The stored body with `data.contact` set: the details, or null when none are held. */
export function payloadWithContact(payload: string, contact: ContactDetails | null): string {
  const event = JSON.parse(payload) as { type: string; timestamp: string; data: Record<string, unknown> };
  return JSON.stringify({ ...event, data: { ...event.data, contact } });
}

/**
 * The numbers a client texts with: one row each, holding the opt-out and the time of the
 * last invitation. Taking the row's lock serialises everything done for one number, so two
 * texts arriving at once are handled one after the other, in order.
 */
import type { ClientId, Trx } from '../db/tenancy.ts';
import type { ClientKeyring } from '../keys/index.ts';
import { enqueueWebhookEvent } from '../webhooks/index.ts';
import type { Recipient } from './messages.ts';

export interface LockedRecipient extends Recipient {
  lastInvitedAt: Date | null;
}

export function mobileIndexOf(keyring: ClientKeyring, mobile: string): Buffer {
  return keyring.blindIndex('mobile', mobile);
}

/** Finds or creates the number's row and locks it until the transaction ends. */
export async function lockRecipient(trx: Trx, keyring: ClientKeyring, mobile: string): Promise<LockedRecipient> {
  const mobileIndex = mobileIndexOf(keyring, mobile);
  await trx
    .insertInto('sms_recipients')
    .values({ client_id: keyring.clientId, mobile_index: mobileIndex, mobile_enc: keyring.encrypt('mobile', mobile) })
    .onConflict((oc) => oc.columns(['client_id', 'mobile_index']).doNothing())
    .execute();
  const row = await trx
    .selectFrom('sms_recipients')
    .select(['opted_out_at', 'last_invited_at'])
    .where('client_id', '=', keyring.clientId)
    .where('mobile_index', '=', mobileIndex)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return { mobile, mobileIndex, optedOut: row.opted_out_at !== null, lastInvitedAt: row.last_invited_at };
}

/** Records STOP. Returns false when the number had already opted out (the confirmation is sent once). */
export async function optOut(trx: Trx, keyring: ClientKeyring, recipient: Recipient): Promise<boolean> {
  if (recipient.optedOut) return false;
  await markOptedOut(trx, keyring.clientId, recipient.mobileIndex, 'stop');
  // Whatever was waiting to go to the number stays unsent.
  await trx
    .updateTable('sms_messages')
    .set({ status: 'blocked', error: 'The number opted out (STOP) before this was sent.', status_at: new Date() })
    .where('client_id', '=', keyring.clientId)
    .where('mobile_index', '=', recipient.mobileIndex)
    .where('direction', '=', 'outbound')
    .where('status', '=', 'queued')
    .execute();
  await trx
    .updateTable('responses')
    .set({ status: 'failed', error: 'The customer opted out of texts (STOP) before this was sent.' })
    .where('client_id', '=', keyring.clientId)
    .where('status', '=', 'queued')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('sms_messages')
        .select('response_id')
        .where('client_id', '=', keyring.clientId)
        .where('mobile_index', '=', recipient.mobileIndex)
        .where('status', '=', 'blocked')
        .where('response_id', 'is not', null)
        .$narrowType<{ response_id: string }>(),
    )
    .execute();
  return true;
}

export async function optIn(trx: Trx, keyring: ClientKeyring, recipient: Recipient): Promise<void> {
  await setOptOut(trx, keyring.clientId, recipient.mobileIndex, null);
}

/**
 * Marks the number opted out, keeping the first time it did: by its STOP text, or as the
 * carrier reported (the provider's "unsubscribed"). The first time, the client's
 * optout.created webhooks hear of it.
 */
export async function markOptedOut(trx: Trx, clientId: ClientId, mobileIndex: Buffer, source: 'stop' | 'carrier'): Promise<boolean> {
  const at = new Date();
  const marked = await trx
    .updateTable('sms_recipients')
    .set({ opted_out_at: at, updated_at: at })
    .where('client_id', '=', clientId)
    .where('mobile_index', '=', mobileIndex)
    .where('opted_out_at', 'is', null)
    .returning('mobile_index')
    .executeTakeFirst();
  if (marked) await enqueueWebhookEvent(trx, clientId, 'optout.created', { channel: 'sms', source, optedOutAt: at.toISOString() }, { mobileIndex });
  return Boolean(marked);
}

export async function setOptOut(trx: Trx, clientId: ClientId, mobileIndex: Buffer, at: Date | null): Promise<void> {
  await trx
    .updateTable('sms_recipients')
    .set({ opted_out_at: at, updated_at: new Date() })
    .where('client_id', '=', clientId)
    .where('mobile_index', '=', mobileIndex)
    .execute();
}

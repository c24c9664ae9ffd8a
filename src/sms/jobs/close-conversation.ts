/**
 * Closes a conversation the customer stopped answering, once its time is up, keeping what
 * they gave. Each text moves the conversation's expiry and enqueues this job for the new
 * time; a job that finds the conversation still has time (or closed already) does nothing.
 */
import { z } from 'zod';
import type { Services } from '../../context.ts';
import { asClientId, withClient } from '../../db/tenancy.ts';
import { closeConversation, findConversationById } from '../conversations.ts';

const jobSchema = z.object({ clientId: z.string().uuid(), conversationId: z.string().uuid() });

export async function closeConversationJob(services: Services, data: unknown): Promise<void> {
  const job = jobSchema.parse(data);
  const clientId = asClientId(job.clientId);
  await withClient(services.db, clientId, async (trx) => {
    const keyring = await services.keyrings.keyringFor(trx, clientId);
    const conversation = await findConversationById(trx, keyring, job.conversationId);
    if (!conversation?.open || conversation.expiresAt.getTime() > Date.now()) return;
    const recipient = await trx
      .selectFrom('sms_recipients')
      .select('mobile_enc')
      .where('client_id', '=', clientId)
      .where('mobile_index', '=', conversation.mobileIndex)
      .executeTakeFirstOrThrow();
    await closeConversation(services, trx, keyring, conversation, keyring.decrypt('mobile', recipient.mobile_enc), 'expired');
  });
}

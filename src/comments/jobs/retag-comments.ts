/** The job that matches a client's comments against its themes again after they change. */
import { z } from 'zod';
import type { Services } from '../../context.ts';
import { asClientId, withClient, type ClientId, type Trx } from '../../db/tenancy.ts';
import { retagComments } from '../record-analysis.ts';

export const RETAG_COMMENTS_QUEUE = 'retag-comments';

const dataSchema = z.object({ clientId: z.string().uuid() });

/** Asks for a re-tag, in the transaction that changed the themes; a burst of edits runs once. */
export async function enqueueRetag(services: Services, trx: Trx, clientId: ClientId): Promise<void> {
  await services.jobs.sendInTransaction(trx, RETAG_COMMENTS_QUEUE, { clientId }, { singletonKey: clientId });
}

/** Re-tags in batches, each its own short transaction, so ingest never waits long on it. */
export async function retagCommentsJob(services: Services, data: unknown): Promise<void> {
  const clientId = asClientId(dataSchema.parse(data).clientId);
  let after: string | null = null;
  do {
    const step: { nextAfterId: string | null } = await withClient(services.db, clientId, (trx) => retagComments(trx, clientId, after));
    after = step.nextAfterId;
  } while (after);
}

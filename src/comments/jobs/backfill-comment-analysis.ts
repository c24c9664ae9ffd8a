/**
 * The job that analyses comments stored before comment analysis existed (or whose
 * analysis went with a changed comment). Enqueued when a worker starts; walks each
 * client's feedback once, by id, in batches of their own transactions.
 */
import type { Services } from '../../context.ts';
import { asClientId, withClient } from '../../db/tenancy.ts';
import { analyseMissingComments } from '../record-analysis.ts';

export const BACKFILL_COMMENTS_QUEUE = 'backfill-comment-analysis';

export async function enqueueCommentBackfill(services: Services): Promise<void> {
  await services.db.transaction().execute((trx) => services.jobs.sendInTransaction(trx, BACKFILL_COMMENTS_QUEUE, {}, { singletonKey: 'all' }));
}

export async function backfillCommentAnalysisJob(services: Services): Promise<void> {
  // The list of clients is not tenant data: read as the owning role, like start-up does.
  const clients = await services.db.selectFrom('clients').select('id').orderBy('id').execute();
  for (const { id } of clients) {
    const clientId = asClientId(id);
    let after: string | null = null;
    do {
      const step: { nextAfterId: string | null } = await withClient(services.db, clientId, (trx) => analyseMissingComments(trx, clientId, after, 500));
      after = step.nextAfterId;
    } while (after);
  }
}

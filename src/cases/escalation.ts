/**
 * Escalation of overdue cases, run by each worker's alert dispatcher before it sends. A case
 * past its due time goes to level 1 (the business's admins are told); one still open after
 * as long again goes to level 2 (its owners are told). Each step happens once: the case row
 * is locked (SKIP LOCKED, so two workers do not wait on each other) and its level checked.
 */
import { appendAudit } from '../audit/index.ts';
import { locationAndAncestors, membersCovering } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import { asClientId, withClient } from '../db/tenancy.ts';

const BATCH = 50;

export async function escalateOverdueCases(services: Services, now = new Date()): Promise<number> {
  // Across clients, as the owning role: only which cases are overdue.
  const overdue = await services.db
    .selectFrom('cases')
    .select(['client_id', 'id'])
    .where('status', '<>', 'resolved')
    .where('escalation_level', '<', 2)
    .where('due_at', '<', now)
    .orderBy('due_at')
    .limit(BATCH)
    .execute();
  let escalated = 0;
  for (const row of overdue) {
    const clientId = asClientId(row.client_id);
    const done = await withClient(services.db, clientId, async (trx) => {
      const found = await trx
        .selectFrom('cases')
        .select(['id', 'feedback_id', 'location_id', 'status', 'escalation_level', 'opened_at', 'due_at'])
        .where('client_id', '=', clientId)
        .where('id', '=', row.id)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!found || found.status === 'resolved' || found.escalation_level >= 2) return false;
      const level = found.escalation_level + 1;
      // Level 2 waits as long again as the case had to begin with.
      const reachedAt = level === 1 ? found.due_at.getTime() : found.due_at.getTime() + (found.due_at.getTime() - found.opened_at.getTime());
      if (reachedAt > now.getTime()) return false;
      await trx.updateTable('cases').set({ escalation_level: level, escalated_at: now, updated_at: now }).where('client_id', '=', clientId).where('id', '=', found.id).execute();
      const path = await locationAndAncestors(trx, clientId, found.location_id);
      let recipients = await membersCovering(trx, clientId, level === 1 ? ['admin'] : ['owner'], path);
      if (recipients.length === 0) recipients = await membersCovering(trx, clientId, ['owner', 'admin'], path);
      if (recipients.length > 0) {
        await trx
          .insertInto('alerts')
          .values(
            recipients.map((userId) => ({
              client_id: clientId,
              kind: 'case_overdue' as const,
              dedupe_key: `case:${found.id}:level${level}:email:user:${userId}`,
              feedback_id: found.feedback_id,
              case_id: found.id,
              location_id: found.location_id,
              channel: 'email' as const,
              recipient_user_id: userId,
            })),
          )
          .onConflict((oc) => oc.columns(['client_id', 'dedupe_key']).doNothing())
          .execute();
      }
      await appendAudit(trx, {
        clientId,
        actorKind: 'system',
        action: 'case.escalated',
        subjectKind: 'feedback',
        subjectId: found.feedback_id,
        details: { case_id: found.id, level, told: recipients.length },
      });
      return true;
    });
    if (done) escalated += 1;
  }
  return escalated;
}

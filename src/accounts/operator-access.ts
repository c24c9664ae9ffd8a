/**
 * Operator staff reach a client's data only through an audited action: they name the
 * client and a reason, the grant goes into that client's audit chain, and what they then
 * see is read-only, without contact details, each feedback they open audited again.
 */
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import { asClientId } from '../db/tenancy.ts';
import { switchSessionClient } from './sessions.ts';

export async function listClientsForOperator(services: Services) {
  const rows = await services.db.selectFrom('clients').select(['id', 'name', 'created_at']).orderBy('name').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at.toISOString() }));
}

export async function openClientAsOperator(
  services: Services,
  input: { operatorId: string; sessionTokenHash: Buffer; clientId: string; reason: string },
): Promise<boolean> {
  const client = await services.db.selectFrom('clients').select('id').where('id', '=', input.clientId).executeTakeFirst();
  if (!client) return false;
  await services.db.transaction().execute(async (trx) => {
    await appendAudit(trx, {
      clientId: asClientId(client.id),
      actorKind: 'operator',
      actorId: input.operatorId,
      action: 'operator.client_opened',
      subjectKind: 'client',
      subjectId: client.id,
      details: { reason: input.reason },
    });
  });
  await switchSessionClient(services.db, input.sessionTokenHash, client.id);
  return true;
}

/**
 * Creating accounts and memberships directly, as the system (demo data, operator set-up,
 * tests). People normally arrive through invitations.
 */
import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/index.ts';
import type { Database, MembershipRole, UserKind } from '../db/schema.ts';
import type { ClientId } from '../db/tenancy.ts';
import { hashPassword } from './passwords.ts';
import { normaliseEmail } from './queries.ts';

export async function createUser(db: Kysely<Database>, input: { email: string; name: string; password: string; kind?: UserKind }): Promise<string> {
  const row = await db
    .insertInto('users')
    .values({
      email: normaliseEmail(input.email),
      name: input.name,
      kind: input.kind ?? 'personnel',
      password_hash: await hashPassword(input.password),
      password_changed_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function addMembership(
  db: Kysely<Database>,
  input: { clientId: ClientId; userId: string; role: MembershipRole; locationScope?: string[] | null },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('memberships')
      .values({ client_id: input.clientId, user_id: input.userId, role: input.role, location_scope: input.locationScope ?? null })
      .execute();
    await appendAudit(trx, { clientId: input.clientId, actorKind: 'system', action: 'membership.created', subjectKind: 'user', subjectId: input.userId, details: { role: input.role } });
  });
}

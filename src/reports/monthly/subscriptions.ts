/**
 * Who receives the monthly report by email: each person chooses for each client in their
 * account; until they do, owners and admins receive it and managers and viewers do not.
 */
import { withAccess, type Access } from '../../accounts/index.ts';
import type { Services } from '../../context.ts';
import type { MembershipRole } from '../../db/schema.ts';
import type { ClientId, Trx } from '../../db/tenancy.ts';
import type { Subscription } from './schemas.ts';

export function subscribedByDefault(role: MembershipRole): boolean {
  return role === 'owner' || role === 'admin';
}

export async function findSubscription(services: Services, access: Access): Promise<Subscription> {
  return withAccess(services.db, access, async (trx) => {
    const row = await trx
      .selectFrom('monthly_report_subscriptions')
      .select('subscribed')
      .where('client_id', '=', access.clientId)
      .where('user_id', '=', access.userId)
      .executeTakeFirst();
    return row ? { subscribed: row.subscribed, chosen: true } : { subscribed: subscribedByDefault(access.role), chosen: false };
  });
}

export async function chooseSubscription(services: Services, access: Access, subscribed: boolean): Promise<Subscription> {
  await withAccess(services.db, access, (trx) =>
    trx
      .insertInto('monthly_report_subscriptions')
      .values({ client_id: access.clientId, user_id: access.userId, subscribed })
      .onConflict((oc) => oc.columns(['client_id', 'user_id']).doUpdateSet({ subscribed, updated_at: new Date() }))
      .execute(),
  );
  return { subscribed, chosen: true };
}

export interface Subscriber {
  userId: string;
  role: MembershipRole;
  /** Scope roots, as stored on the membership; null: every location. */
  locationScope: string[] | null;
}

/** The members of a client who receive the report (their choice, else their role's default). */
export async function listSubscribers(trx: Trx, clientId: ClientId): Promise<Subscriber[]> {
  const rows = await trx
    .selectFrom('memberships as m')
    .leftJoin('monthly_report_subscriptions as s', (join) => join.onRef('s.client_id', '=', 'm.client_id').onRef('s.user_id', '=', 'm.user_id'))
    .select(['m.user_id', 'm.role', 'm.location_scope', 's.subscribed'])
    .where('m.client_id', '=', clientId)
    .orderBy('m.user_id')
    .execute();
  return rows
    .filter((r) => r.subscribed ?? subscribedByDefault(r.role))
    .map((r) => ({ userId: r.user_id, role: r.role, locationScope: r.location_scope }));
}

import type { ClientId, Trx } from '../db/tenancy.ts';

/**
 * Every new business starts with one rule: a score in the bottom band tells the location's
 * managers at once by email (its admins and owners when no manager covers the location)
 * and opens a case. Migration 0008 gave existing businesses the same rule.
 */
export async function createDefaultAlertRule(trx: Trx, clientId: ClientId): Promise<void> {
  await trx
    .insertInto('alert_rules')
    .values({ client_id: clientId, name: 'Unhappy customer', low_band: true, recipient_roles: ['manager'], channels: ['email'], opens_case: true })
    .execute();
}

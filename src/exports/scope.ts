/**
 * A scope restricts an export to some feedback of one client (and what hangs off it): for
 * a disclosure under a legal order. Emails and mobiles are matched by blind index, so
 * finding them needs no decryption.
 */
import { normaliseEmail, normaliseMobile } from '../end-customers/index.ts';
import type { Db } from '../db/connect.ts';
import { withClient, type ClientId } from '../db/tenancy.ts';
import type { ClientKeyring } from '../keys/index.ts';

export interface ExportScope {
  /** Feedback of these end customers only; null: any (no identifiers given). */
  endCustomerIds: string[] | null;
  /** These feedback only; null: any. */
  feedbackIds: string[] | null;
  from: Date | null;
  to: Date | null;
  /** Blind indexes of the mobiles named: their text messages are in scope too. */
  mobileIndexes: Buffer[];
}

export interface ScopeFilter {
  emails: string[];
  mobiles: string[];
  feedbackIds: string[];
  from: Date | null;
  to: Date | null;
}

/** Finds the end customers the filter names and turns the filter into a scope. */
export async function resolveScope(db: Db, clientId: ClientId, keyring: ClientKeyring, filter: ScopeFilter, country: string): Promise<ExportScope> {
  const emailIndexes = filter.emails.map((e) => keyring.blindIndex('email', normaliseEmail(e)));
  const mobileIndexes = filter.mobiles.flatMap((m) => {
    const normalised = normaliseMobile(m, country);
    return normalised ? [keyring.blindIndex('mobile', normalised)] : [];
  });
  let endCustomerIds: string[] | null = null;
  if (filter.emails.length || filter.mobiles.length) {
    const rows = await withClient(db, clientId, (trx) =>
      trx
        .selectFrom('end_customers')
        .select('id')
        .where('client_id', '=', clientId)
        .where((eb) =>
          eb.or([
            ...(emailIndexes.length ? [eb('email_index', 'in', emailIndexes)] : []),
            ...(mobileIndexes.length ? [eb('mobile_index', 'in', mobileIndexes)] : []),
          ]),
        )
        .execute(),
    );
    endCustomerIds = rows.map((r) => r.id);
  }
  return {
    endCustomerIds,
    feedbackIds: filter.feedbackIds.length ? filter.feedbackIds : null,
    from: filter.from,
    to: filter.to,
    mobileIndexes,
  };
}

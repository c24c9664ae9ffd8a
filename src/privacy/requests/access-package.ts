/**
 * Access packages (schema in docs/privacy-access-package.md): everything found about the
 * requester in every client, decrypted, with items that may concern other people flagged
 * for review. Sealed at rest; delivered by a single-use link valid for 7 days.
 */
import { sql } from 'kysely';
import { appendAudit } from '../../audit/index.ts';
import type { Services } from '../../context.ts';
import { asClientId, withClient } from '../../db/tenancy.ts';
import type { PersonInClient } from './find-person.ts';
import { verifiedIdentifiers, type LoadedRequest } from './queries.ts';
import { reviewFreeText, type ReviewReason } from './review-flags.ts';
import { forEachClientWithPerson } from './search.ts';
import { newToken, requestSecrets } from './secrets.ts';

export const PACKAGE_SCHEMA = 'hark.privacy-access-package';
export const PACKAGE_SCHEMA_VERSION = 1;
export const LINK_LIFETIME_DAYS = 7;

export interface Review {
  flagged: boolean;
  reasons: ReviewReason[];
}

export interface AccessPackage {
  schema: typeof PACKAGE_SCHEMA;
  schemaVersion: typeof PACKAGE_SCHEMA_VERSION;
  requestId: string;
  generatedAt: string;
  requester: { name: string; identifiers: Array<{ kind: 'email' | 'mobile'; value: string }> };
  summary: { clients: number; items: number; flaggedForReview: number };
  clients: PackageClient[];
}

export interface PackageClient {
  clientId: string;
  clientName: string;
  contactRecords: Array<{ id: string; name: string | null; email: string | null; mobile: string | null; createdAt: string }>;
  feedback: Array<{
    id: string;
    contactRecordId: string | null;
    submittedAt: string;
    location: string;
    channel: string;
    scale: string;
    score: number;
    comment: string;
    category: string;
    status: string;
    contactRequested: boolean;
    review: Review;
  }>;
  responses: Array<{ id: string; feedbackId: string; kind: string; direction: string; subject: string | null; body: string; status: string; createdAt: string; review: Review }>;
  consents: Array<{ id: string; feedbackId: string; kind: string; documentUrl: string | null; givenAt: string }>;
  prizeEntries: Array<{ id: string; feedbackId: string; enteredAt: string }>;
  correctionStatements: Array<{ id: string; feedbackId: string | null; statement: string; createdAt: string }>;
  textMessages: Array<{ id: string; direction: string; kind: string; body: string; status: string; at: string; review: Review }>;
  textConversations: Array<{ id: string; state: string; score: number | null; comment: string; name: string | null; email: string | null; startedAt: string; review: Review }>;
  textNumbers: Array<{ mobile: string; optedOutAt: string | null; lastInvitedAt: string | null; firstSeenAt: string }>;
}

const iso = (value: Date | string) => new Date(value).toISOString();

function review(reasons: ReviewReason[]): Review {
  return { flagged: reasons.length > 0, reasons };
}

export function presentClient(client: { id: string; name: string }, found: PersonInClient, decrypt: (field: 'name' | 'email' | 'mobile' | 'message', value: Buffer) => string, requester: { name: string; addresses: string[] }): PackageClient {
  const text = (value: string) => reviewFreeText(value, requester);
  return {
    clientId: client.id,
    clientName: client.name,
    contactRecords: found.endCustomers.map((c) => ({
      id: c.id,
      name: c.name_enc ? decrypt('name', c.name_enc) : null,
      email: c.email_enc ? decrypt('email', c.email_enc) : null,
      mobile: c.mobile_enc ? decrypt('mobile', c.mobile_enc) : null,
      createdAt: iso(c.created_at),
    })),
    feedback: found.feedback.map((f) => ({
      id: f.id,
      contactRecordId: f.end_customer_id,
      submittedAt: iso(f.submitted_at),
      location: f.location_name,
      channel: f.channel,
      scale: f.scale,
      score: f.score,
      comment: f.comment,
      category: f.category,
      status: f.status,
      contactRequested: f.contact_requested,
      review: review(text(f.comment)),
    })),
    responses: found.responses.map((r) => ({
      id: r.id,
      feedbackId: r.feedback_id,
      kind: r.kind,
      direction: r.direction,
      subject: r.subject,
      body: r.body,
      status: r.status,
      createdAt: iso(r.created_at),
      // Written by the client's staff: it may name them or others, and notes are internal.
      review: review(r.direction === 'inbound' ? text(r.body) : ['staff_reply', ...text(r.body)]),
    })),
    consents: found.consents.map((c) => ({ id: c.id, feedbackId: c.feedback_id, kind: c.kind, documentUrl: c.document_url, givenAt: iso(c.given_at) })),
    prizeEntries: found.prizeEntries.map((p) => ({ id: p.id, feedbackId: p.feedback_id, enteredAt: iso(p.entered_at) })),
    correctionStatements: found.statements.map((s) => ({ id: s.id, feedbackId: s.feedback_id, statement: decrypt('message', s.statement_enc), createdAt: iso(s.created_at) })),
    textMessages: found.smsMessages.map((m) => {
      const body = decrypt('message', m.body_enc);
      return {
        id: m.id,
        direction: m.direction,
        kind: m.kind,
        body,
        status: m.status,
        at: iso(m.created_at),
        review: review(m.kind === 'reply' || m.kind === 'follow_up' ? ['staff_reply', ...text(body)] : text(body)),
      };
    }),
    textConversations: found.smsConversations.map((c) => ({
      id: c.id,
      state: c.state,
      score: c.score,
      comment: c.comment,
      name: c.name_enc ? decrypt('name', c.name_enc) : null,
      email: c.email_enc ? decrypt('email', c.email_enc) : null,
      startedAt: iso(c.started_at),
      review: review(text(c.comment)),
    })),
    textNumbers: found.smsRecipients.map((r) => ({
      mobile: decrypt('mobile', r.mobile_enc),
      optedOutAt: r.opted_out_at ? iso(r.opted_out_at) : null,
      lastInvitedAt: r.last_invited_at ? iso(r.last_invited_at) : null,
      firstSeenAt: iso(r.created_at),
    })),
  };
}

function countItems(client: PackageClient): { items: number; flagged: number } {
  const lists = [client.contactRecords, client.feedback, client.responses, client.consents, client.prizeEntries, client.correctionStatements, client.textMessages, client.textConversations, client.textNumbers] as const;
  const items = lists.reduce((n, list) => n + list.length, 0);
  const reviewed = [...client.feedback, ...client.responses, ...client.textMessages, ...client.textConversations];
  return { items, flagged: reviewed.filter((i) => i.review.flagged).length };
}

export async function buildAccessPackage(services: Services, request: LoadedRequest, operatorId: string): Promise<{ id: string; items: number; flagged: number; builtAt: string }> {
  const identifiers = verifiedIdentifiers(request);
  const requester = { name: request.name, addresses: identifiers.map((i) => i.value) };
  const clients: PackageClient[] = [];
  await forEachClientWithPerson(services, identifiers, async (client, found) => {
    const clientId = asClientId(client.id);
    await withClient(services.db, clientId, async (trx) => {
      const keyring = await services.keyrings.keyringFor(trx, clientId);
      const presented = presentClient(client, found, (field, value) => keyring.decrypt(field, value), requester);
      clients.push(presented);
      const counted = countItems(presented);
      await appendAudit(trx, {
        clientId,
        actorKind: 'operator',
        actorId: operatorId,
        action: 'privacy.access_package_built',
        subjectKind: 'privacy_request',
        subjectId: request.row.id,
        details: counted,
      });
    });
  });
  const totals = clients.map(countItems).reduce((a, b) => ({ items: a.items + b.items, flagged: a.flagged + b.flagged }), { items: 0, flagged: 0 });
  const builtAt = new Date();
  const content: AccessPackage = {
    schema: PACKAGE_SCHEMA,
    schemaVersion: PACKAGE_SCHEMA_VERSION,
    requestId: request.row.id,
    generatedAt: builtAt.toISOString(),
    requester: { name: request.name, identifiers },
    summary: { clients: clients.length, items: totals.items, flaggedForReview: totals.flagged },
    clients,
  };
  const secrets = requestSecrets(services);
  const id = await services.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('privacy_access_packages')
      .values({ request_id: request.row.id, content_enc: Buffer.alloc(0), items: totals.items, flagged: totals.flagged, built_by: operatorId, built_at: builtAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('privacy_access_packages')
      .set({ content_enc: secrets.seal(`package:${row.id}`, JSON.stringify(content)) })
      .where('id', '=', row.id)
      .execute();
    await appendAudit(trx, {
      clientId: null,
      actorKind: 'operator',
      actorId: operatorId,
      action: 'privacy.access_package_built',
      subjectKind: 'privacy_request',
      subjectId: request.row.id,
      details: { package: row.id, clients: clients.length, items: totals.items, flagged: totals.flagged },
    });
    return row.id;
  });
  return { id, items: totals.items, flagged: totals.flagged, builtAt: builtAt.toISOString() };
}

export async function readLatestPackage(services: Services, requestId: string): Promise<{ id: string; content: AccessPackage } | null> {
  const row = await services.db
    .selectFrom('privacy_access_packages')
    .select(['id', 'content_enc'])
    .where('request_id', '=', requestId)
    .orderBy('built_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return { id: row.id, content: JSON.parse(requestSecrets(services).open(`package:${row.id}`, row.content_enc)) as AccessPackage };
}

/** Issues the package's download link (a new token replaces any earlier one). */
export async function issueDownloadLink(services: Services, packageId: string): Promise<{ url: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + LINK_LIFETIME_DAYS * 86_400_000);
  await services.db
    .updateTable('privacy_access_packages')
    .set({ token_hash: requestSecrets(services).tokenHash(token), link_issued_at: new Date(), link_expires_at: expiresAt, downloaded_at: null })
    .where('id', '=', packageId)
    .execute();
  return { url: `${services.publicUrl}/privacy/download/${token}`, expiresAt };
}

export type DownloadResult = { ok: true; content: AccessPackage } | { ok: false; reason: 'unknown' | 'gone' };

/** Opens a download link once: the first use spends it; later, or after 7 days, it is gone. */
export async function openDownloadLink(services: Services, token: string): Promise<DownloadResult> {
  const secrets = requestSecrets(services);
  const hash = secrets.tokenHash(token);
  return services.db.transaction().execute(async (trx) => {
    const spent = await trx
      .updateTable('privacy_access_packages')
      .set({ downloaded_at: new Date() })
      .where('token_hash', '=', hash)
      .where('downloaded_at', 'is', null)
      .where('link_expires_at', '>', sql<Date>`now()`)
      .returning(['id', 'request_id', 'content_enc'])
      .executeTakeFirst();
    if (!spent) {
      const known = await trx.selectFrom('privacy_access_packages').select('id').where('token_hash', '=', hash).executeTakeFirst();
      return { ok: false, reason: known ? 'gone' : 'unknown' } as const;
    }
    await appendAudit(trx, {
      clientId: null,
      actorKind: 'end_customer',
      action: 'privacy.access_package_downloaded',
      subjectKind: 'privacy_request',
      subjectId: spent.request_id,
      details: { package: spent.id },
    });
    return { ok: true, content: JSON.parse(secrets.open(`package:${spent.id}`, spent.content_enc)) as AccessPackage } as const;
  });
}

/** Complaint rows as the API shows them: the only place their sealed fields are opened. */
import type { Selectable } from 'kysely';
import type { ComplaintReminderKind, PrivacyComplaintsTable } from '../tables.ts';
import { complaintDueOn, daysLeft, isOverdue } from './due-dates.ts';
import { allowedNextStatuses } from './policy.ts';
import type { ComplaintSeal } from './sealed.ts';

type SummaryRow = Pick<Selectable<PrivacyComplaintsTable>, 'id' | 'reference' | 'channel' | 'business' | 'status' | 'received_at'>;

export function presentComplaintSummary(row: SummaryRow, now: Date) {
  return {
    id: row.id,
    reference: row.reference,
    channel: row.channel,
    business: row.business,
    status: row.status,
    receivedAt: row.received_at.toISOString(),
    dueOn: complaintDueOn(row.received_at),
    daysLeft: daysLeft(row.received_at, now),
    overdue: isOverdue({ receivedAt: row.received_at, status: row.status }, now),
  };
}

export function presentComplaint(
  seal: ComplaintSeal,
  row: Selectable<PrivacyComplaintsTable>,
  reminders: { kind: ComplaintReminderKind; sent_at: Date | null }[],
  now: Date,
) {
  const open = (field: Parameters<ComplaintSeal['open']>[1], value: Buffer | null) => (value ? seal.open(row.id, field, value) : null);
  return {
    ...presentComplaintSummary(row, now),
    name: seal.open(row.id, 'name', row.name_enc),
    email: open('email', row.email_enc),
    phone: open('phone', row.phone_enc),
    details: seal.open(row.id, 'details', row.details_enc),
    response: open('response', row.response_enc),
    respondedAt: row.responded_at?.toISOString() ?? null,
    closedAt: row.closed_at?.toISOString() ?? null,
    remindersSent: reminders.map((r) => ({ kind: r.kind, sentAt: r.sent_at?.toISOString() ?? null })),
    allowedNext: allowedNextStatuses(row.status),
  };
}

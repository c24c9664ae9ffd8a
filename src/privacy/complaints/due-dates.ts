/**
 * When a privacy complaint is due, and which reminders it needs: pure functions of the
 * receipt time and `now`, so tests pin both. A complaint is due 30 calendar days after the
 * day it was received, on the operator's calendar (New Zealand); it is overdue from the day
 * after. Reminders go 7 days before the due date and on it.
 */
import { DateTime } from 'luxon';
import type { ComplaintReminderKind, PrivacyComplaintStatus } from '../tables.ts';

export const COMPLAINT_DAYS = 30;
export const REMINDER_DAYS_BEFORE = 7;
export const OPERATOR_TIMEZONE = 'Pacific/Auckland';

function dayOf(at: Date): DateTime {
  return DateTime.fromJSDate(at, { zone: OPERATOR_TIMEZONE }).startOf('day');
}

/** The due date as YYYY-MM-DD on the operator's calendar. */
export function complaintDueOn(receivedAt: Date): string {
  return dayOf(receivedAt).plus({ days: COMPLAINT_DAYS }).toISODate() as string;
}

/** Whole days from today until the due date: 0 on the day, negative once overdue. */
export function daysLeft(receivedAt: Date, now: Date): number {
  const due = dayOf(receivedAt).plus({ days: COMPLAINT_DAYS });
  return Math.round(due.diff(dayOf(now), 'days').days);
}

/** Still waiting for a response: the only states that can be overdue or need a reminder. */
export function isAwaitingResponse(status: PrivacyComplaintStatus): boolean {
  return status === 'received' || status === 'investigating';
}

export function isOverdue(complaint: { receivedAt: Date; status: PrivacyComplaintStatus }, now: Date): boolean {
  return isAwaitingResponse(complaint.status) && daysLeft(complaint.receivedAt, now) < 0;
}

/**
 * The reminder that is due now, if any. A complaint that reaches its due date before its
 * week-before reminder went (entered late, or workers stopped) gets only the due-date one.
 */
export function reminderDue(complaint: { receivedAt: Date; status: PrivacyComplaintStatus }, now: Date): ComplaintReminderKind | null {
  if (!isAwaitingResponse(complaint.status)) return null;
  const left = daysLeft(complaint.receivedAt, now);
  if (left <= 0) return 'due_date';
  if (left <= REMINDER_DAYS_BEFORE) return 'week_before';
  return null;
}

/** Only complaints received before this time can need a reminder now (a bound for the query; `reminderDue` decides). */
export function reminderCutoff(now: Date): Date {
  return dayOf(now).minus({ days: COMPLAINT_DAYS - REMINDER_DAYS_BEFORE - 1 }).toJSDate();
}

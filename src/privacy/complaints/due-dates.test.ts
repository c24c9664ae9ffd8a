import { describe, expect, it } from 'vitest';
import { complaintDueOn, daysLeft, isOverdue, reminderCutoff, reminderDue } from './due-dates.ts';

// Times are New Zealand's: 09:00 NZST is 21:00 UTC the day before.
const nz = (iso: string) => new Date(iso);

describe('privacy complaint due dates (calendar days, NZ calendar)', () => {
  it('is due 30 calendar days after the day of receipt, weekends and holidays included', () => {
    expect(complaintDueOn(nz('2025-03-03T09:00:00+13:00'))).toBe('2025-04-02');
    expect(complaintDueOn(nz('2024-12-20T10:00:00+13:00'))).toBe('2025-01-19');
    expect(complaintDueOn(nz('2025-12-24T23:30:00+13:00'))).toBe('2026-01-23');
  });

  it('counts the day by New Zealand time, not UTC', () => {
    // 00:30 on 1 July in Auckland is still 30 June in UTC.
    const received = nz('2025-07-01T00:30:00+12:00');
    expect(received.toISOString().slice(0, 10)).toBe('2025-06-30');
    expect(complaintDueOn(received)).toBe('2025-07-31');
  });

  it('counts days left across a daylight-saving change', () => {
    const received = nz('2025-09-20T12:00:00+12:00'); // NZ clocks go forward on 28 Sept 2025
    expect(complaintDueOn(received)).toBe('2025-10-20');
    expect(daysLeft(received, nz('2025-10-13T08:00:00+13:00'))).toBe(7);
    expect(daysLeft(received, nz('2025-10-20T23:59:00+13:00'))).toBe(0);
    expect(daysLeft(received, nz('2025-10-21T00:01:00+13:00'))).toBe(-1);
  });

  it('is overdue only while awaiting a response, from the day after the due date', () => {
    const receivedAt = nz('2025-03-03T09:00:00+13:00');
    expect(isOverdue({ receivedAt, status: 'investigating' }, nz('2025-04-02T17:00:00+13:00'))).toBe(false);
    expect(isOverdue({ receivedAt, status: 'investigating' }, nz('2025-04-03T08:00:00+13:00'))).toBe(true);
    expect(isOverdue({ receivedAt, status: 'responded' }, nz('2025-05-03T08:00:00+12:00'))).toBe(false);
  });

  it('wants the week-before reminder from 7 days ahead, and the due-date one from the due date', () => {
    const receivedAt = nz('2025-03-03T09:00:00+13:00'); // due 2 April
    const at = (iso: string) => reminderDue({ receivedAt, status: 'received' }, nz(iso));
    expect(at('2025-03-25T12:00:00+13:00')).toBeNull();
    expect(at('2025-03-26T00:05:00+13:00')).toBe('week_before');
    expect(at('2025-04-01T12:00:00+13:00')).toBe('week_before');
    expect(at('2025-04-02T00:05:00+13:00')).toBe('due_date');
    expect(at('2025-04-20T12:00:00+12:00')).toBe('due_date');
    expect(reminderDue({ receivedAt, status: 'responded' }, nz('2025-04-02T12:00:00+13:00'))).toBeNull();
    expect(reminderDue({ receivedAt, status: 'closed' }, nz('2025-03-27T12:00:00+13:00'))).toBeNull();
  });

  it('bounds the reminder query exactly: received before the cut-off may need one, after it none does', () => {
    const now = nz('2025-03-26T10:00:00+13:00');
    const cutoff = reminderCutoff(now);
    expect(reminderDue({ receivedAt: new Date(cutoff.getTime() - 1), status: 'received' }, now)).toBe('week_before');
    expect(reminderDue({ receivedAt: cutoff, status: 'received' }, now)).toBeNull();
  });
});

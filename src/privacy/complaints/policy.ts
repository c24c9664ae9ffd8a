/** The one way a complaint moves: received → investigating → responded → closed. */
import type { PrivacyComplaintStatus } from '../tables.ts';

const nextStatus: Record<PrivacyComplaintStatus, PrivacyComplaintStatus | null> = {
  received: 'investigating',
  investigating: 'responded',
  responded: 'closed',
  closed: null,
};

export function mayMoveComplaint(from: PrivacyComplaintStatus, to: PrivacyComplaintStatus): boolean {
  return nextStatus[from] === to;
}

export function allowedNextStatuses(status: PrivacyComplaintStatus): PrivacyComplaintStatus[] {
  const next = nextStatus[status];
  return next ? [next] : [];
}

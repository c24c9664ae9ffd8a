/** Which state a privacy request may move to from which, and what each state allows. */
import type { PrivacyRequestState } from '../../db/schema.ts';

const transitions: Readonly<Record<PrivacyRequestState, readonly PrivacyRequestState[]>> = {
  received: ['verified'],
  verified: ['in_progress', 'refused'],
  in_progress: ['extended', 'responded', 'refused'],
  extended: ['responded', 'refused'],
  responded: [],
  refused: [],
};

export function mayMove(from: PrivacyRequestState, to: PrivacyRequestState): boolean {
  return transitions[from].includes(to);
}

/** Open for work: searched, packaged, corrected (a verified request starts work on first use). */
export function isWorkable(state: PrivacyRequestState): boolean {
  return state === 'verified' || state === 'in_progress' || state === 'extended';
}

export const openStates: readonly PrivacyRequestState[] = ['verified', 'in_progress', 'extended'];

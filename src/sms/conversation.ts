/**
 * The SMS conversation as a pure state machine: given where a conversation stands and the
 * customer's next text, what it becomes and what Hark answers. Storage, opt-out and codes
 * are the caller's (inbound.ts); this file only reads text.
 *
 *   score ──▶ comment ──▶ (prize_draw ──▶ name ──▶ email) ──▶ done
 *
 * A text may carry several answers at once ("5 lovely staff" answers score and comment),
 * and a comment may come before the score.
 */
import type { SmsStep } from '../db/schema.ts';
import { isSkip, parseEmailAddress, parseName, parseScore, parseYesNo } from './reply-parsing.ts';
import * as say from './wording.ts';
import type { ConversationWording } from './wording.ts';

export interface ConversationState {
  step: SmsStep;
  score: number | null;
  comment: string;
  /** null: not asked or not answered; true: said YES to the draw. */
  prizeDraw: boolean | null;
  name: string | null;
  email: string | null;
}

export interface Advance {
  state: ConversationState;
  replies: string[];
  /** The text just taken was a name or an email: shown only to staff who may see contact details. */
  heldContact: boolean;
}

export const MAX_COMMENT_LENGTH = 2000;

export function newConversation(): ConversationState {
  return { step: 'score', score: null, comment: '', prizeDraw: null, name: null, email: null };
}

/** Whether the conversation has what a feedback needs: feedback is stored once it has. */
export function hasFeedback(state: ConversationState): boolean {
  return state.score !== null && state.step !== 'score' && state.step !== 'comment';
}

export function advance(state: ConversationState, text: string, w: ConversationWording): Advance {
  switch (state.step) {
    case 'score':
      return takeScore(state, text, w);
    case 'comment':
      return afterComment({ ...state, comment: isSkip(text) ? state.comment : appendComment(state.comment, text) }, w);
    case 'prize_draw':
      return takePrizeDrawAnswer(state, text, w);
    case 'name':
      return takeName(state, text, w);
    case 'email':
      return takeEmail(state, text, w);
    case 'done':
      return { state, replies: [], heldContact: false };
  }
}

function takeScore(state: ConversationState, text: string, w: ConversationWording): Advance {
  if (text.trim() === '') return reply(state, say.askScoreAgain(w, false));
  const parsed = parseScore(text, w.scale);
  if (parsed.kind === 'out_of_range') return reply(state, say.scoreOutOfRange(w));
  if (parsed.kind === 'none') {
    // Words without a score: keep them as the comment and ask for the score.
    if (!/\p{L}/u.test(text) || isSkip(text)) return reply(state, say.askScoreAgain(w, false));
    return reply({ ...state, comment: appendComment(state.comment, text) }, say.askScoreAgain(w, true));
  }
  const comment = parsed.rest && !isSkip(parsed.rest) ? appendComment(state.comment, parsed.rest) : state.comment;
  const scored = { ...state, score: parsed.score, comment };
  if (comment === '') return reply({ ...scored, step: 'comment' }, say.askComment(w));
  return afterComment(scored, w);
}

function afterComment(state: ConversationState, w: ConversationWording): Advance {
  if (w.prizeDrawEnabled) return reply({ ...state, step: 'prize_draw' }, say.offerPrizeDraw(w));
  return reply({ ...state, step: 'done' }, say.thanks(w, false));
}

function takePrizeDrawAnswer(state: ConversationState, text: string, w: ConversationWording): Advance {
  const answer = parseYesNo(text);
  if (answer === 'yes') return reply({ ...state, step: 'name', prizeDraw: true }, say.askName());
  if (answer === 'no') return reply({ ...state, step: 'done', prizeDraw: false }, say.thanks(w, false));
  return reply(state, say.askYesOrNo());
}

function takeName(state: ConversationState, text: string, w: ConversationWording): Advance {
  const email = parseEmailAddress(text);
  if (email) return { ...reply({ ...state, step: 'done', email }, say.thanks(w, true)), heldContact: true };
  if (isSkip(text)) return reply({ ...state, step: 'email' }, say.askEmail());
  const name = parseName(text);
  if (!name) return reply(state, say.nameNotUnderstood());
  return { ...reply({ ...state, step: 'email', name }, say.askEmail()), heldContact: true };
}

function takeEmail(state: ConversationState, text: string, w: ConversationWording): Advance {
  if (isSkip(text)) return reply({ ...state, step: 'done' }, say.thanks(w, true));
  const email = parseEmailAddress(text);
  if (!email) return { ...reply(state, say.emailNotUnderstood()), heldContact: true };
  return { ...reply({ ...state, step: 'done', email }, say.thanks(w, true)), heldContact: true };
}

function reply(state: ConversationState, text: string): Advance {
  return { state, replies: [text], heldContact: false };
}

function appendComment(existing: string, addition: string): string {
  const joined = existing ? `${existing} ${addition.trim()}` : addition.trim();
  return joined.slice(0, MAX_COMMENT_LENGTH);
}

/**
 * Every text Hark sends, built from the programme's own wording. Kept to plain GSM-7
 * characters where Hark chooses the words, so a message stays one segment when it can.
 */
import type { Scale } from '../db/schema.ts';
import { scaleOf } from '../programmes/index.ts';

export interface ConversationWording {
  clientName: string;
  locationName: string;
  scale: Scale;
  leadQuestion: string;
  followUpQuestion: string;
  thankYouTitle: string;
  thankYouText: string;
  prizeDrawEnabled: boolean;
  prizeDrawDescription: string;
  prizeDrawTermsUrl: string | null;
  privacyPolicyUrl: string | null;
}

const OPT_OUT_HINT = 'Reply STOP to opt out.';

export function scaleHint(scale: Scale): string {
  const { min, max, highLabel, stars } = scaleOf(scale);
  return `Reply ${min}-${max}${stars ? ' stars' : ''} (${max} = ${highLabel.toLowerCase()}).`;
}

/** The first text of a conversation the customer started: who is asking, the lead question, how to answer. */
export function opening(w: ConversationWording): string {
  return `${w.clientName} (${w.locationName}): ${w.leadQuestion} ${scaleHint(w.scale)} ${OPT_OUT_HINT}`;
}

export function invitation(w: ConversationWording, name: string | null): string {
  const greeting = name ? `Hi ${name}, thanks for visiting` : 'Thanks for visiting';
  return `${greeting} ${w.clientName} (${w.locationName}). ${w.leadQuestion} ${scaleHint(w.scale)} ${OPT_OUT_HINT}`;
}

export function askScoreAgain(w: ConversationWording, afterComment: boolean): string {
  return afterComment ? `Thanks! And your score? ${scaleHint(w.scale)}` : `${w.leadQuestion} ${scaleHint(w.scale)}`;
}

export function scoreOutOfRange(w: ConversationWording): string {
  const { min, max } = scaleOf(w.scale);
  return `Please reply with a number from ${min} to ${max}.`;
}

export function askComment(w: ConversationWording): string {
  return `${w.followUpQuestion} (Reply SKIP if nothing to add.)`;
}

export function offerPrizeDraw(w: ConversationWording): string {
  const description = w.prizeDrawDescription.trim();
  const prize = description ? ` ${/[.!?]$/.test(description) ? description : `${description}.`}` : '';
  const terms = w.prizeDrawTermsUrl ? ` Terms: ${w.prizeDrawTermsUrl}` : '';
  return `Thanks! Enter our prize draw?${prize} Reply YES to enter or NO.${terms}`;
}

export function askYesOrNo(): string {
  return 'Please reply YES to enter the draw, or NO.';
}

export function askName(): string {
  return 'Great! What is your name?';
}

export function askEmail(): string {
  return 'And your email, so we can reach you if you win? (Reply SKIP to be reached at this number.)';
}

export function emailNotUnderstood(): string {
  return "That doesn't look like an email address. Please send it again, or reply SKIP.";
}

export function nameNotUnderstood(): string {
  return 'Sorry, what name should we put on your entry?';
}

export function thanks(w: ConversationWording, enteredDraw: boolean): string {
  const title = w.thankYouTitle.trim().replace(/[.!]+$/, '');
  return `${title}! ${w.thankYouText.trim()}${enteredDraw ? ' You are in the draw.' : ''}`;
}

export function optedOut(clientName: string): string {
  return `${clientName}: you will get no more texts from us. Reply START to undo.`;
}

export function optedIn(clientName: string): string {
  return `${clientName}: you can get texts from us again. ${OPT_OUT_HINT}`;
}

export function help(clientName: string, privacyPolicyUrl: string | null): string {
  const privacy = privacyPolicyUrl ? ` Privacy: ${privacyPolicyUrl}` : '';
  return `${clientName} feedback by text: text the code on your receipt or sign to rate your visit. ${OPT_OUT_HINT}${privacy}`;
}

export function unrecognised(clientName: string): string {
  return `${clientName}: sorry, we did not recognise that. Text the code on your receipt or sign to give feedback. Reply HELP for help.`;
}

export function receiptCodeUsed(clientName: string): string {
  return `${clientName}: that receipt code has already been used. Thank you!`;
}

export function followUpThanks(clientName: string, answer: 'yes' | 'no'): string {
  return answer === 'yes' ? `${clientName}: thank you, we are glad it is fixed.` : `${clientName}: thank you for telling us. We will keep working on it.`;
}

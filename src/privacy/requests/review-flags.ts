/**
 * Flags for the operator's review before an access package leaves: text that may name or
 * describe other people (IPP 6 lets an agency withhold another person's information, so a
 * person must look). Deliberately over-eager: a false flag costs a glance, a missed one a
 * disclosure.
 */
export type ReviewReason = 'staff_reply' | 'may_name_others' | 'contact_details_of_others';

const emailPattern = /[^\s@]+@[^\s@]+\.[^\s@]+/g;
const phonePattern = /\+?\d[\d\s-]{6,}\d/g;
const commonCapitalised = new Set(['I', 'I’m', "I'm", 'OK', 'Ok', 'Thanks', 'Thank', 'Hi', 'Hello', 'Kia', 'Ora', 'Dear', 'Regards', 'Cheers', 'The', 'We', 'Our', 'You', 'Your']);

/** Why a piece of free text needs a look, given the requester's own name and addresses. */
export function reviewFreeText(text: string, requester: { name: string; addresses: readonly string[] }): ReviewReason[] {
  if (!text.trim()) return [];
  const reasons = new Set<ReviewReason>();
  const own = new Set(requester.addresses.map((a) => a.toLowerCase().replace(/[\s-]/g, '')));
  for (const match of [...text.matchAll(emailPattern), ...text.matchAll(phonePattern)]) {
    if (!own.has(match[0].toLowerCase().replace(/[\s-]/g, ''))) reasons.add('contact_details_of_others');
  }
  const nameParts = new Set(requester.name.toLowerCase().split(/\s+/).filter(Boolean));
  // A capitalised word that does not start a sentence, and is not the requester's own name.
  const words = text.split(/\s+/);
  words.forEach((word, i) => {
    const bare = word.replace(/^[^\p{L}]+|[^\p{L}’']+$/gu, '');
    if (!/^\p{Lu}\p{Ll}+/u.test(bare)) return;
    const previous = words[i - 1] ?? '';
    const startsSentence = i === 0 || /[.!?:]["’)]?$/.test(previous);
    if (startsSentence || commonCapitalised.has(bare) || nameParts.has(bare.toLowerCase())) return;
    reasons.add('may_name_others');
  });
  return [...reasons];
}

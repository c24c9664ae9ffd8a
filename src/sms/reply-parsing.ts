/**
 * What a customer's text message says: a keyword, a score, yes or no, a code, an email
 * address or a name. People type sloppily on phones, so the parsers forgive case, spacing,
 * punctuation and emoji, but when a reply could mean two things they answer "none" rather
 * than guess.
 */
import { z } from 'zod';
import type { Scale } from '../db/schema.ts';
import { scaleOf } from '../programmes/scales.ts';

export const MAX_INBOUND_LENGTH = 1600;

/**
 * Characters that are invisible and mean nothing in a reply: soft hyphen, Mongolian vowel
 * separator, zero-width space, word joiner and byte-order mark. Zero-width (non-)joiners and
 * variation selectors stay: emoji and some scripts are built from them.
 */
const INVISIBLE = /[\u00AD\u180E\u200B\u2060\uFEFF]/g;
/** C0 and C1 control characters other than the whitespace ones (tab, line breaks, NEL). */
const CONTROL = /[\u0000-\u0008\u000E-\u001F\u007F-\u0084\u0086-\u009F]/g;
const WHITESPACE_RUN = /[\s\u0085]+/g;
const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/;

/** One line of tidy text: NFKC, no invisible or control characters, single spaces, at most 1600 characters. */
export function normaliseInbound(text: string): string {
  const tidy = text.normalize('NFKC').replace(INVISIBLE, '').replace(CONTROL, '').replace(WHITESPACE_RUN, ' ').trim();
  return capLength(tidy, MAX_INBOUND_LENGTH);
}

/** Cut at a code point, never inside a surrogate pair. */
function capLength(text: string, max: number): string {
  if (text.length <= max) return text;
  const codePoints = Array.from(text);
  return codePoints.length <= max ? text : codePoints.slice(0, max).join('').trimEnd();
}

function stripSurroundingPunctuation(text: string): string {
  return text.replace(/^[\p{P}\s]+|[\p{P}\s]+$/gu, '');
}

// ---------------------------------------------------------------------------------------------
// Keywords

export type Keyword = 'stop' | 'start' | 'help';

export const STOP_KEYWORDS: readonly string[] = [
  'STOP',
  'STOPALL',
  'STOP ALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'OPTOUT',
  'OPT OUT',
  'OPT-OUT',
  'REVOKE',
];
/** Not YES: that word answers the prize-draw question. */
export const START_KEYWORDS: readonly string[] = ['START', 'UNSTOP', 'SUBSCRIBE'];
export const HELP_KEYWORDS: readonly string[] = ['HELP', 'INFO'];

/** The keyword the whole message is (any case, surrounding punctuation ignored), or null for anything else. */
export function classifyKeyword(text: string): Keyword | null {
  const message = stripSurroundingPunctuation(normaliseInbound(text)).toUpperCase();
  if (STOP_KEYWORDS.includes(message)) return 'stop';
  if (START_KEYWORDS.includes(message)) return 'start';
  if (HELP_KEYWORDS.includes(message)) return 'help';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Scores

export type ScoreParse =
  | { kind: 'score'; score: number; rest: string }
  | { kind: 'out_of_range'; value: number; min: number; max: number }
  | { kind: 'none' };

/** A number the customer gave as a rating, before it is checked against the scale. */
interface Rating {
  value: number;
  /** The N of "x/N" or "x out of N". */
  outOf: number | null;
  /** Written unmistakably as a rating: x/N, x out of N, x stars, a keycap emoji or a row of stars. */
  explicit: boolean;
  /** The comment left once the rating is cut out. */
  rest: string;
}

const NUMBER_WORDS: ReadonlyMap<string, number> = new Map([
  ['zero', 0],
  ['one', 1],
  ['two', 2],
  ['three', 3],
  ['four', 4],
  ['five', 5],
  ['six', 6],
  ['seven', 7],
  ['eight', 8],
  ['nine', 9],
  ['ten', 10],
]);

/** Longer numbers (years, order numbers, phone numbers) are never taken for a rating. */
const MAX_RATING_DIGITS = 3;

const NOT_ALPHANUMERIC_NEXT = '(?![\\p{L}\\p{N}])';
const NUMBER_WORD = `(?:${[...NUMBER_WORDS.keys()].join('|')})${NOT_ALPHANUMERIC_NEXT}`;
/** One keycap emoji per digit (4️⃣, 1️⃣0️⃣), the variation selector optional, or 🔟. */
const KEYCAP = '(?:\\d\\uFE0F?\\u20E3)+|\\u{1F51F}';
const NUMBER = `(?:${KEYCAP}|\\d+|${NUMBER_WORD})`;
/** "/5", "out of 5", "of 5": the joining word and the denominator are captured. */
const DENOMINATOR = `\\s*(\\/|out\\s+of${NOT_ALPHANUMERIC_NEXT}|of${NOT_ALPHANUMERIC_NEXT})\\s*(\\d+|${NUMBER_WORD})`;
const STAR_EMOJI = '[★⭐🌟]\\uFE0F?';
const STAR_EMOJI_RUN = `${STAR_EMOJI}(?:\\s*${STAR_EMOJI})*`;
/** "stars", "star", "5*" (British usage) or a run of star emoji after the number. */
const STARS = `\\*|\\s*(?:stars?${NOT_ALPHANUMERIC_NEXT}|${STAR_EMOJI_RUN})`;

const LEADING_RATING = new RegExp(`^(${NUMBER})(?:${DENOMINATOR})?(${STARS})?`, 'iu');
const LEADING_STAR_RUN = new RegExp(`^${STAR_EMOJI_RUN}`, 'u');
/** Trailing emoji after a final rating ("great coffee 5/5 👍") stay with the comment. */
const TRAILING_EMOJI = '(?:\\p{Extended_Pictographic}|\\uFE0F|\\u200D|[\\u{1F3FB}-\\u{1F3FF}]|\\s)*';
const TRAILING_RATING = new RegExp(
  `(?<![\\p{L}\\p{N}])(${NUMBER})(?:${DENOMINATOR})?(${STARS})?[\\s.!]*(${TRAILING_EMOJI})$`,
  'iu',
);
const STARTS_WITH_NUMBER = new RegExp(`^(?:${NUMBER})${NOT_ALPHANUMERIC_NEXT}`, 'iu');
const ENDS_WITH_NUMBER = new RegExp(`(?<![\\p{L}\\p{N}])(?:${NUMBER})$`, 'iu');

/**
 * What, directly after a number, shows it is not a rating: letters or digits run on (5th, 10am,
 * 2x), a unit sign (5%, 5$), or punctuation carrying on into another number (4.5, 3-4, 4,5, 4:30).
 */
const NUMBER_RUNS_ON = /^(?:[\p{L}\p{N}%°$€£+#&@]|[.,:;\-–—/]\p{N})/u;

/** A first word after a number that makes it a quantity, a time or a range rather than a score. */
const QUANTITY_WORDS: ReadonlySet<string> = new Set([
  'of',
  'or',
  'to',
  'and',
  'more',
  'less',
  'other',
  'others',
  'x',
  'times',
  'time',
  'thing',
  'things',
  'word',
  'words',
  'sec',
  'secs',
  'second',
  'seconds',
  'min',
  'mins',
  'minute',
  'minutes',
  'hr',
  'hrs',
  'hour',
  'hours',
  'day',
  'days',
  'week',
  'weeks',
  'month',
  'months',
  'yr',
  'yrs',
  'year',
  'years',
  'am',
  'pm',
  "o'clock",
  'oclock',
  'people',
  'person',
  'persons',
  'percent',
  'dollar',
  'dollars',
  'bucks',
  'cents',
  'euros',
  'pounds',
  'quid',
]);

/** Separators between a rating and its comment, trimmed off the side the rating was cut from. */
const SEPARATOR_AFTER_RATING = /^[\s,;:.!\-–—]/u;
const SEPARATOR_BEFORE_RATING = /[\s,;:.!?\-–—]*$/u;
const SEPARATOR_TRIMMED_BEFORE_RATING = /[\s,;:.\-–—]+$/u;
/** What separates a final bare number from the sentence before it ("lovely staff. 5"); a line break counts. */
const SENTENCE_SEPARATOR = /[,;:.!?\-–—\n]/u;
/** ":)", ";-(", ":D" and the like, which look like separators but are the customer's words. */
const EMOTICON = /^[:;=][-'^]?[)(\][DPpOo3|\\/*]/u;

/**
 * The score a reply gives on the scale, with the comment around it.
 *
 * A score is found at the start ("5", "4/5", "five stars", "4⭐", "4️⃣", "5, lovely staff",
 * "five great coffee") or at the end ("lovely staff 5/5", "great coffee, 4 out of 5", "lovely
 * staff. 5"). Numbers inside a sentence are never scores. The decisions on unclear replies:
 *
 * - A bare number at the start counts unless the next word makes it a quantity, time or range
 *   ("20 minutes", "2 of us", "4 or 5", "5 pm"); a bare number at the end counts only after a
 *   sentence separator (. , ; : ! ? - or a line break), so "table 5" is not a score.
 * - Explicit ratings (x/N, x out of N, x stars, keycaps, ⭐⭐⭐) win over a bare number, so
 *   "2 coffees were great, 5/5" scores 5.
 * - Non-integers and ranges ("4.5", "4,5", "3-4", "4 - 5", "4:30") are `none`: a half point
 *   or a range cannot be stored, and which end was meant is a guess.
 * - "one" straight before a word ("one coffee was cold") is not a score: it is too often the
 *   article; "five great coffee" is.
 * - x/N with N other than the scale's top is `out_of_range` with value x ("7/10" or "4/10" on a
 *   1–5 scale): it is never rescaled, and the caller should ask again with the scale's range
 *   rather than quote the value.
 * - Numbers of more than three digits are `none` (years, order and phone numbers).
 */
export function parseScore(text: string, scale: Scale): ScoreParse {
  const message = tidyLines(text);
  const rating = chooseRating(leadingRating(message), trailingRating(message));
  return rating ? judgeRating(rating, scale) : { kind: 'none' };
}

/** Each line normalised, blank lines dropped, line breaks kept: they separate a final score from the comment. */
function tidyLines(text: string): string {
  return text
    .split(LINE_BREAK)
    .map(normaliseInbound)
    .filter((line) => line !== '')
    .join('\n');
}

function chooseRating(leading: Rating | null, trailing: Rating | null): Rating | null {
  if (leading?.explicit) return leading;
  if (trailing?.explicit) return trailing;
  return leading ?? trailing;
}

function judgeRating(rating: Rating, scale: Scale): ScoreParse {
  const { min, max } = scaleOf(scale);
  const onAnotherScale = rating.outOf !== null && rating.outOf !== max;
  if (onAnotherScale || rating.value < min || rating.value > max) {
    return { kind: 'out_of_range', value: rating.value, min, max };
  }
  return { kind: 'score', score: rating.value, rest: normaliseInbound(rating.rest) };
}

function leadingRating(message: string): Rating | null {
  return leadingStarRun(message) ?? leadingNumber(message);
}

/** "⭐⭐⭐⭐ lovely staff" gives 4. */
function leadingStarRun(message: string): Rating | null {
  const match = LEADING_STAR_RUN.exec(message);
  if (!match) return null;
  const stars = match[0].match(/[★⭐🌟]/gu)?.length ?? 0;
  return { value: stars, outOf: null, explicit: true, rest: trimSeparatorsAfterRating(message.slice(match[0].length)) };
}

function leadingNumber(message: string): Rating | null {
  const match = LEADING_RATING.exec(message);
  if (!match?.[1]) return null;
  const [matched, numberToken, joiner, denominatorToken, starsToken] = match;
  const numbers = ratingNumbers(numberToken, denominatorToken);
  if (!numbers) return null;
  const after = message.slice(matched.length);
  if (NUMBER_RUNS_ON.test(after)) return null;
  const rest = trimSeparatorsAfterRating(after);
  if (beginsWithQuantityOrNumber(rest)) return null;
  const runsIntoWord = /^\s+\p{L}/u.test(after);
  // "2 of 5 coffees were cold" counts coffees; "4 of 5" alone, or "4 of 5, lovely staff", rates.
  if (joiner?.toLowerCase() === 'of' && starsToken === undefined && runsIntoWord) return null;
  const explicit = isExplicit(numberToken, denominatorToken, starsToken);
  if (!explicit && numberToken.toLowerCase() === 'one' && runsIntoWord) return null;
  return { ...numbers, explicit, rest };
}

function trailingRating(message: string): Rating | null {
  const match = TRAILING_RATING.exec(message);
  if (!match?.[1] || match.index === 0) return null;
  const [, numberToken, , denominatorToken, starsToken, trailingEmoji = ''] = match;
  const numbers = ratingNumbers(numberToken, denominatorToken);
  if (!numbers) return null;
  const before = message.slice(0, match.index);
  const separation = SEPARATOR_BEFORE_RATING.exec(before)?.[0] ?? '';
  if (separation === '' || endsWithNumberOrRangeWord(before.slice(0, before.length - separation.length))) return null;
  // The customer's own "!" and "?" stay with the comment.
  const comment = before.replace(SEPARATOR_TRIMMED_BEFORE_RATING, '');
  const explicit = isExplicit(numberToken, denominatorToken, starsToken);
  if (!explicit && !SENTENCE_SEPARATOR.test(separation)) return null;
  return { ...numbers, explicit, rest: `${comment} ${trailingEmoji}` };
}

/** The value and denominator of a matched rating; null when either is not a usable whole number. */
function ratingNumbers(numberToken: string, denominatorToken: string | undefined): Pick<Rating, 'value' | 'outOf'> | null {
  const value = numberValue(numberToken);
  const outOf = denominatorToken === undefined ? null : numberValue(denominatorToken);
  if (value === null || (denominatorToken !== undefined && outOf === null)) return null;
  return { value, outOf };
}

function isExplicit(numberToken: string, denominatorToken: string | undefined, starsToken: string | undefined): boolean {
  return denominatorToken !== undefined || starsToken !== undefined || isKeycap(numberToken);
}

function numberValue(token: string): number | null {
  const word = NUMBER_WORDS.get(token.toLowerCase());
  if (word !== undefined) return word;
  if (token === '\u{1F51F}') return 10;
  const digits = token.replace(/[\uFE0F\u20E3]/g, '');
  if (!/^\d+$/.test(digits) || digits.length > MAX_RATING_DIGITS) return null;
  return Number.parseInt(digits, 10);
}

function isKeycap(token: string): boolean {
  return token.includes('\u20E3') || token === '\u{1F51F}';
}

function beginsWithQuantityOrNumber(rest: string): boolean {
  if (STARTS_WITH_NUMBER.test(rest)) return true;
  const firstWord = stripSurroundingPunctuation(rest.split(/\s/, 1)[0] ?? '').toLowerCase().replace('’', "'");
  return QUANTITY_WORDS.has(firstWord);
}

/** "4 or" and "3 -" before a final number make a range, not a rating. */
function endsWithNumberOrRangeWord(comment: string): boolean {
  if (ENDS_WITH_NUMBER.test(comment)) return true;
  return /(?:^|\s)(?:or|to)$/iu.test(comment);
}

function trimSeparatorsAfterRating(after: string): string {
  let rest = after;
  while (SEPARATOR_AFTER_RATING.test(rest) && !EMOTICON.test(rest)) rest = rest.slice(1);
  return rest;
}

// ---------------------------------------------------------------------------------------------
// Yes / no and "nothing to add"

const YES_ANSWERS: ReadonlySet<string> = new Set([
  'yes',
  'y',
  'yeah',
  'yep',
  'yup',
  'sure',
  'ok',
  'okay',
  'please',
  'yes please',
  'yes thanks',
  'yes thank you',
  '👍',
  '✅',
  '✔',
]);
const NO_ANSWERS: ReadonlySet<string> = new Set(['no', 'n', 'nope', 'no thanks', 'no thank you', 'nah', 'skip', '👎', '❌']);
const SKIP_ANSWERS: ReadonlySet<string> = new Set([
  'no',
  'nope',
  'n',
  'skip',
  'none',
  'nothing',
  'nah',
  'nil',
  'no comment',
  'no comments',
  'no thanks',
  'no thank you',
  'nothing to add',
  'nothing else',
  'n/a',
  'na',
]);
/** Skin tones and variation selectors, so that 👍🏽 and 👍️ are 👍. */
const EMOJI_MODIFIERS = /[\uFE0E\uFE0F\u{1F3FB}-\u{1F3FF}]/gu;

/** The whole message lower-cased, punctuation turned into word breaks: "No, thanks!" is "no thanks". */
function answerWords(text: string): string {
  return normaliseInbound(text)
    .toLowerCase()
    .replace(EMOJI_MODIFIERS, '')
    .replace(/[\p{P}\s]+/gu, ' ')
    .trim();
}

/** Yes or no when that is the whole message; null for anything else, including a longer sentence. */
export function parseYesNo(text: string): 'yes' | 'no' | null {
  const answer = answerWords(text);
  if (YES_ANSWERS.has(answer)) return 'yes';
  if (NO_ANSWERS.has(answer)) return 'no';
  return null;
}

/** True when the whole message says there is nothing to add; a message of only dashes or dots counts. */
export function isSkip(text: string): boolean {
  const message = normaliseInbound(text).toLowerCase();
  if (/^[.\-–—_]+$/u.test(message)) return true;
  if (SKIP_ANSWERS.has(message.replace(/^[\s.!]+|[\s.!]+$/gu, ''))) return true;
  return SKIP_ANSWERS.has(answerWords(text));
}

// ---------------------------------------------------------------------------------------------
// Codes, email addresses and names

const CODE = /^[A-Za-z0-9]{2,32}$/;

/**
 * The first word as a code (upper-cased, trailing punctuation dropped) and the rest of the
 * message; null when the first word cannot be a code. Whether the code is known is the
 * caller's question.
 */
export function splitCodeMessage(text: string): { code: string; rest: string } | null {
  const message = normaliseInbound(text);
  if (message === '') return null;
  const spaceAt = message.indexOf(' ');
  const firstWord = spaceAt === -1 ? message : message.slice(0, spaceAt);
  const code = firstWord.replace(/\p{P}+$/u, '');
  if (!CODE.test(code)) return null;
  const rest = spaceAt === -1 ? '' : message.slice(spaceAt + 1).trim();
  return { code: code.toUpperCase(), rest };
}

/** A sub-measure's code, as in its link (`/f/<location>/<sub-measure>`). */
const SUB_MEASURE_CODE = /^[a-z0-9][a-z0-9-]{0,39}$/;

/**
 * The first word of what follows a location's code, lower-cased, as a staff member's (or other
 * sub-measure's) code ("HARBOUR ANNA 5" → `anna`, rest `5`); null when it cannot be one, or
 * when the word is a score on the programme's scale: "HARBOUR 5" is a score, whatever the
 * location's codes. Whether the code is the location's is the caller's question.
 */
export function splitSubMeasureCode(rest: string, scale: Scale): { code: string; rest: string } | null {
  const message = normaliseInbound(rest);
  const spaceAt = message.indexOf(' ');
  const firstWord = (spaceAt === -1 ? message : message.slice(0, spaceAt)).replace(/\p{P}+$/u, '').toLowerCase();
  if (!SUB_MEASURE_CODE.test(firstWord)) return null;
  const asScore = parseScore(firstWord, scale);
  // A whole word only: "till-2" is a code, though a score can end a longer answer ("great - 2").
  if (asScore.kind === 'score' && asScore.rest === '') return null;
  return { code: firstWord, rest: spaceAt === -1 ? '' : message.slice(spaceAt + 1).trim() };
}

const emailSchema = z.email();

/** The one email address in the message, lower-cased; null when there is none or more than one. */
export function parseEmailAddress(text: string): string | null {
  const addresses = new Set(
    normaliseInbound(text)
      .split(' ')
      .filter((word) => word.includes('@'))
      .map(emailCandidate)
      .filter((candidate) => emailSchema.safeParse(candidate).success)
      .map((address) => address.toLowerCase()),
  );
  if (addresses.size !== 1) return null;
  return [...addresses][0] ?? null;
}

/** A word with its wrapping (<…>, quotes, brackets, "mailto:") and trailing punctuation removed. */
function emailCandidate(word: string): string {
  return word
    .replace(/^[<(\["'“‘]+/u, '')
    .replace(/^mailto:/i, '')
    .replace(/[>)\]"'”’.,;:!?]+$/u, '');
}

const NAME_PREFIX = /^(?:(?:my name is|my name['’]s|name is|i['’]m|i am|it['’]s|this is)(?:\s+|$)|name\s*:\s*)/iu;
const NAME_EDGE_PUNCTUATION = /^[\s,.;:!?\-–—"'“”‘’]+|[\s,.;:!?\-–—"'“”‘’]+$/gu;
const MAX_NAME_LENGTH = 100;

/**
 * The name a customer gives, without "my name is", "I'm", "it's" or "this is"; null when the
 * message is a keyword, a yes/no or "nothing to add" answer, holds an '@', has no letter, or
 * is longer than 100 characters (it is then more likely a comment than a name).
 */
export function parseName(text: string): string | null {
  const message = normaliseInbound(text);
  const name = message.replace(NAME_PREFIX, '').replace(NAME_EDGE_PUNCTUATION, '');
  const length = Array.from(name).length;
  if (length < 1 || length > MAX_NAME_LENGTH) return null;
  if (!/\p{L}/u.test(name) || name.includes('@')) return null;
  if (isAnswerRatherThanName(message) || isAnswerRatherThanName(name)) return null;
  return name;
}

function isAnswerRatherThanName(text: string): boolean {
  return classifyKeyword(text) !== null || parseYesNo(text) !== null || isSkip(text);
}

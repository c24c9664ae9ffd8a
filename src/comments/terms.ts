/**
 * The terms of a comment for the cloud and for theme matching: its words and two-word
 * phrases, lower-cased, without punctuation or English stop words (the `stopword`
 * library's list and a few of feedback's own), each keyed by its Porter stem (the
 * `stemmer` library) so "queue", "queues" and "queued" are one term. A term keeps the
 * form a person wrote, as its label.
 */
import { stemmer } from 'stemmer';
import { eng } from 'stopword';

export interface Term {
  /** Stems, one or two, space-separated: what is stored, counted and matched. */
  key: string;
  /** The words as written (lower-cased), for display. */
  label: string;
}

const feedbackStopWords = [
  'im', "i'm", 'ive', "i've", 'id', "i'd", 'ill', "i'll", 'its', "it's", 'dont', "don't", 'didnt', "didn't", 'wasnt', "wasn't",
  'cant', "can't", 'wont', "won't", 'isnt', "isn't", 'arent', "aren't", 'theyre', "they're", 'youre', "you're", 'thats', "that's",
  'just', 'really', 'got', 'get', 'gets', 'went', 'go', 'going', 'one', 'us', 'also', 'even', 'bit', 'lot', 'lots', 'today', 'yes',
  'will', 'can', 'no', 'not', 'so', 'am', 'pm', 'x', 'xx', 'xxx', 'u', 'ur', 'pls', 'please', 'etc', 'oh', 'ok', 'okay',
  'took', 'take', 'takes', 'told', 'said', 'asked', 'made', 'make', 'put', 'came', 'come', 'back', 'thing', 'things',
];
const stopWords: ReadonlySet<string> = new Set([...eng, ...feedbackStopWords]);

/** Limits per comment, so a very long comment costs what a short one does, within reason. */
const MAX_WORDS = 200;
const MAX_TERMS = 60;

/** Lower-case words of a text in order, with a clause break (null) at punctuation, emoji and stop words. */
function wordsWithBreaks(text: string): (string | null)[] {
  const out: (string | null)[] = [];
  const tokens = text.normalize('NFKC').toLowerCase().replace(/[\u2018\u2019]/g, "'").match(/[\p{L}][\p{L}']*|[^\p{L}\s]+/gu) ?? [];
  for (const token of tokens.slice(0, MAX_WORDS)) {
    const word = token.replace(/'s$/, '').replace(/'+$/, '');
    if (!/^\p{L}/u.test(word) || word.length < 2 || stopWords.has(word) || stopWords.has(token)) out.push(null);
    else out.push(word);
  }
  return out;
}

/** The stem key of one word. */
export function stemWord(word: string): string {
  return stemmer(word.toLowerCase());
}

/** The distinct terms of a comment: its words and its two-word phrases of adjacent words. */
export function extractTerms(text: string): Term[] {
  const seen = new Map<string, string>();
  const words = wordsWithBreaks(text);
  for (let i = 0; i < words.length && seen.size < MAX_TERMS; i++) {
    const word = words[i];
    if (!word) continue;
    const key = stemWord(word);
    if (!seen.has(key)) seen.set(key, word);
    const next = words[i + 1];
    if (next) {
      const pair = `${key} ${stemWord(next)}`;
      if (!seen.has(pair)) seen.set(pair, `${word} ${next}`);
    }
  }
  return [...seen].slice(0, MAX_TERMS).map(([key, label]) => ({ key, label }));
}

export type KeywordKey = { ok: true; key: string } | { ok: false; reason: 'stop_word' | 'too_many_words' | 'not_a_word' };

/**
 * The term key a theme keyword matches: one word or two adjacent words, stemmed as
 * comments are, so "queues" matches "queue" and "queued". A stop word would never match.
 */
export function keywordKey(keyword: string): KeywordKey {
  if (!/\p{L}/u.test(keyword)) return { ok: false, reason: 'not_a_word' };
  const words = wordsWithBreaks(keyword.trim());
  if (words.length === 0) return { ok: false, reason: 'not_a_word' };
  if (words.length > 2) return { ok: false, reason: 'too_many_words' };
  if (words.some((w) => w === null)) return { ok: false, reason: 'stop_word' };
  return { ok: true, key: (words as string[]).map(stemWord).join(' ') };
}

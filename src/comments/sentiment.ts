/**
 * Sentiment of a comment, in process, by the `sentiment` library (AFINN-165 word list)
 * with Hark's feedback words and emoji (lexicon.ts) and a scoring rule of our own:
 * negation reaches four words back within a clause ("not very good"), intensifiers strengthen the next
 * word, and around "but" the second part weighs three times the first; each clause (to a comma
 * or full stop) is scored apart, so negation does not cross punctuation.
 */
import { createRequire } from 'node:module';
import Sentiment from 'sentiment';
import { contrastWords, domainWords, emojiWords, intensifiers, negators } from './lexicon.ts';

export type SentimentLabel = 'positive' | 'neutral' | 'negative';

export interface SentimentResult {
  label: SentimentLabel;
  /** From -1 (very negative) to 1 (very positive). */
  score: number;
}

/**
 * Scores in (-NEUTRAL_BAND, NEUTRAL_BAND) are neutral. Chosen on the tuning split of the
 * labelled sample only (see sentiment-agreement.test.ts), never on the split it reports.
 */
export const NEUTRAL_BAND = 0.15;

// The English AFINN-165 list as the library ships it.
const afinn = createRequire(import.meta.url)('sentiment/languages/en/labels.json') as Record<string, number>;

const labels: Record<string, number> = { ...afinn, ...domainWords };
const analyser = new Sentiment();
// The library merges `extras` into its shared word list on every call; a language of our
// own, built once, avoids that and carries our scoring rule.
analyser.registerLanguage('hark', {
  labels,
  scoringStrategy: {
    apply(tokens, cursor, tokenScore) {
      let score = tokenScore;
      const previous = tokens[cursor - 1];
      if (previous && Object.hasOwn(intensifiers, previous)) score *= intensifiers[previous] ?? 1;
      for (let i = cursor - 1; i >= Math.max(0, cursor - 4); i--) {
        if (negators.has(tokens[i] ?? '')) {
          // "not good" is weaker than "bad"; "no problem" is mildly good.
          score = -score * 0.75;
          break;
        }
      }
      return score;
    },
  },
});
// Registering adds the library's emoji scores (Emoji Sentiment Ranking, mostly within ±1)
// to our list; ours, stronger for the emoji people put in feedback, go over them.
Object.assign(labels, emojiWords);

const pictograph = /(\p{Extended_Pictographic}\uFE0F?)/gu;

/** Puts emoji and emoticons where the library's tokenizer (split on spaces and punctuation) sees them as words. */
function prepare(text: string): string {
  return text
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/(^|\s)(:-?\)|:-?D|\(-?:|;-?\))(?=\s|$)/g, ' smile_emoticon ')
    .replace(/(^|\s)(:-?\(|:'\()(?=\s|$)/g, ' frown_emoticon ')
    .replace(pictograph, ' $1 ');
}

/** The weighted raw score: sentences apart, and within each the parts around "but". */
function rawScore(text: string): number {
  let total = 0;
  // Negation and emphasis end at punctuation: each clause is scored apart.
  for (const sentence of prepare(text).split(/[.!?;,\n]+/)) {
    const words = sentence.trim().split(/\s+/);
    const parts: string[][] = [[]];
    for (const word of words) {
      if (contrastWords.has(word.toLowerCase())) parts.push([]);
      else parts[parts.length - 1]?.push(word);
    }
    parts.forEach((part, i) => {
      if (part.length === 0) return;
      const before = i > 0;
      const after = i < parts.length - 1;
      const weight = before && !after ? 1.5 : after && !before ? 0.5 : 1;
      total += weight * analyser.analyze(part.join(' '), { language: 'hark' }).score;
    });
  }
  return total;
}

/** Sentiment of one comment. Costs a few microseconds for a short comment. */
export function scoreSentiment(text: string, band = NEUTRAL_BAND): SentimentResult {
  const raw = rawScore(text);
  // VADER's normalisation: bounded, and most of the range used by one to three words.
  const score = raw / Math.sqrt(raw * raw + 15);
  const label: SentimentLabel = score >= band ? 'positive' : score <= -band ? 'negative' : 'neutral';
  return { label, score: Math.round(score * 1000) / 1000 };
}

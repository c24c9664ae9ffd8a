/** The analyser on its own: themes by keyword stems, terms, sentiment's turns. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyseComment } from './analyse-comment.ts';
import { defaultThemes } from './default-themes.ts';
import { scoreSentiment } from './sentiment.ts';
import { prepareKeywords } from './theme-admin.ts';
import { extractTerms, keywordKey } from './terms.ts';

function theme(id: string, keywords: string[]) {
  const prepared = prepareKeywords(keywords);
  if (!prepared.ok) throw new Error(prepared.message);
  return { id, termKeys: prepared.termKeys };
}

describe('comment analysis', () => {
  it('tags "the queue took forever" with wait time (keywords queue, wait, slow) and calls it negative', () => {
    const waitTime = theme('wait-time', ['queue', 'wait', 'slow']);
    const staff = theme('staff', ['staff', 'rude']);
    const result = analyseComment('the queue took forever', [waitTime, staff]);
    expect(result.themeIds).toEqual(['wait-time']);
    expect(result.sentiment).toBe('negative');
  });

  it('matches keyword variants: plurals and other endings', () => {
    const waitTime = theme('wait-time', ['queue', 'wait', 'slow']);
    for (const text of ['Queues out the door', 'we waited and waited', 'Waiting 20 mins', 'so SLOW']) {
      expect(analyseComment(text, [waitTime]).themeIds, text).toEqual(['wait-time']);
    }
    expect(analyseComment('Lovely staff', [waitTime]).themeIds).toEqual([]);
    expect(analyseComment('the wait time was long', [theme('phrase', ['wait time'])]).themeIds).toEqual(['phrase']);
    expect(analyseComment('I had time to wait', [theme('phrase', ['wait time'])]).themeIds).toEqual([]);
  });

  it('extracts normalised words and two-word phrases without stop words or punctuation', () => {
    const terms = extractTerms('The COFFEE was great!!! Great coffees, friendly staff 😀');
    expect(terms.map((t) => t.label)).toEqual(['coffee', 'great', 'great coffees', 'friendly', 'friendly staff', 'staff']);
    const keys = terms.map((t) => t.key);
    expect(keys).toContain('coffe');
    expect(keys).toContain('great coffe');
    // Phrases never cross punctuation or a stop word.
    expect(keys).not.toContain('coffe great');
    expect(extractTerms('and the of was')).toEqual([]);
  });

  it('turns sentiment with negation, weighs the part after "but", and reads emoji', () => {
    expect(scoreSentiment('not good').label).toBe('negative');
    expect(scoreSentiment('never had a bad coffee here').label).toBe('positive');
    expect(scoreSentiment('Nice decor but the food was terrible').label).toBe('negative');
    expect(scoreSentiment('👍👍').label).toBe('positive');
    expect(scoreSentiment('😡').label).toBe('negative');
    expect(scoreSentiment('Had a latte and a muffin.').label).toBe('neutral');
  });

  it('refuses keywords that could never match', () => {
    expect(keywordKey('the')).toEqual({ ok: false, reason: 'stop_word' });
    expect(keywordKey('car park near door')).toEqual({ ok: false, reason: 'too_many_words' });
    expect(keywordKey('!!!')).toEqual({ ok: false, reason: 'not_a_word' });
    expect(keywordKey('Queues')).toEqual({ ok: true, key: 'queue' });
  });

  it('seeds the clients of migration 0016 with the default themes’ keywords stemmed as the code stems them', () => {
    const migration = readFileSync(new URL('../db/migrations/0016_comment_analysis.sql', import.meta.url), 'utf8');
    for (const t of defaultThemes) {
      const prepared = prepareKeywords(t.keywords);
      if (!prepared.ok) throw new Error(prepared.message);
      const quote = (xs: readonly string[]) => `ARRAY[${xs.map((x) => `'${x}'`).join(', ')}]`;
      expect(migration).toContain(`('${t.name}', ${quote(prepared.keywords)}, ${quote(prepared.termKeys)})`);
    }
  });
});

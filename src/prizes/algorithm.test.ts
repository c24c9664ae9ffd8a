import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { commitmentOf, drawPositions, entriesHash, entrantToken, orderEntries, pickIndex, verifyDraw, type PublishedDraw } from './algorithm.ts';

function publishedDraw(entrants: number, rounds: number): PublishedDraw {
  const seed = randomBytes(32);
  const tokens = orderEntries(Array.from({ length: entrants }, (_, i) => entrantToken('draw-1', Buffer.from(`person-${i}`))));
  const winners = drawPositions(seed, tokens, rounds).map((p) => tokens[p] as string);
  return { commitment: commitmentOf(seed), seed, tokens, entriesHash: entriesHash(tokens), winners };
}

describe('the verifiable draw', () => {
  it('agrees with itself when nothing was changed', () => {
    expect(verifyDraw(publishedDraw(50, 3))).toEqual({ ok: true });
  });

  it('picks distinct entrants, each round from those left', () => {
    const draw = publishedDraw(5, 5);
    expect(new Set(draw.winners).size).toBe(5);
    expect(drawPositions(draw.seed, draw.tokens, 9)).toHaveLength(5);
  });

  it('disagrees when one entry is changed', () => {
    const draw = publishedDraw(50, 2);
    const tokens = [...draw.tokens];
    tokens[17] = entrantToken('draw-1', Buffer.from('someone else'));
    const result = verifyDraw({ ...draw, tokens: orderEntries(tokens) });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toContain('the entry list does not match the published entries hash');
  });

  it('disagrees when an entry is dropped, even with a recomputed hash (the winners change)', () => {
    const draw = publishedDraw(40, 3);
    const tokens = draw.tokens.filter((t) => t !== draw.winners[0]);
    const result = verifyDraw({ ...draw, tokens, entriesHash: entriesHash(tokens) });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.some((p) => p.startsWith('round 1'))).toBe(true);
  });

  it('disagrees when the seed is changed', () => {
    const draw = publishedDraw(50, 1);
    const seed = Buffer.from(draw.seed);
    seed[0] = (seed[0] ?? 0) ^ 1;
    const result = verifyDraw({ ...draw, seed });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]).toMatch(/commitment/);
  });

  it('disagrees when the winners claimed are not the ones the seed picks', () => {
    const draw = publishedDraw(50, 1);
    const other = draw.tokens.find((t) => t !== draw.winners[0]) as string;
    expect(verifyDraw({ ...draw, winners: [other] }).ok).toBe(false);
  });

  it('gives every entrant about the same chance (no modulo bias)', () => {
    const counts = [0, 0, 0];
    const hash = randomBytes(32).toString('hex');
    for (let i = 0; i < 3000; i++) counts[pickIndex(randomBytes(32), hash, 1, 3)]! += 1;
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });
});

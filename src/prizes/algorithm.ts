/**
 * The verifiable draw (docs/prize-draws.md). Everything here is pure and public: anyone with
 * the published commitment, seed and entry list can re-run it and must get the same winners.
 *
 * - commitment = SHA-256(seed), published before the period closes.
 * - The entry list: one token per person, sorted ascending; entries hash = SHA-256 of the
 *   tokens joined by "\n".
 * - Round r (1, 2, …) picks from the entrants not picked in earlier rounds, in list order:
 *   for attempt a = 0, 1, …: x = the first 8 bytes, big-endian, of
 *   HMAC-SHA256(key = seed, message = "<entries hash hex>:<r>:<a>"); if x < 2^64 − (2^64 mod n)
 *   the pick is x mod n (so every entrant is equally likely), else try the next attempt.
 */
import { createHash, createHmac } from 'node:crypto';

export function commitmentOf(seed: Buffer): Buffer {
  return createHash('sha256').update(seed).digest();
}

/** A person's pseudonymous token in one draw: reveals nothing of them without the client's index key. */
export function entrantToken(drawId: string, personKey: Buffer): string {
  return createHash('sha256').update(`hark-prize-draw:${drawId}:`).update(personKey).digest('hex').slice(0, 32);
}

export function orderEntries(tokens: string[]): string[] {
  return [...tokens].sort();
}

export function entriesHash(orderedTokens: string[]): Buffer {
  return createHash('sha256').update(orderedTokens.join('\n')).digest();
}

const TWO_64 = 1n << 64n;

/** The index, among `n` remaining entrants, that round `round` picks. */
export function pickIndex(seed: Buffer, entriesHashHex: string, round: number, n: number): number {
  if (n < 1) throw new RangeError('no entrants left to pick from');
  const size = BigInt(n);
  const limit = TWO_64 - (TWO_64 % size);
  for (let attempt = 0; ; attempt++) {
    const x = createHmac('sha256', seed).update(`${entriesHashHex}:${round}:${attempt}`).digest().readBigUInt64BE(0);
    if (x < limit) return Number(x % size);
  }
}

/**
 * The positions (in the ordered list) that rounds 1..rounds pick. Each round picks from the
 * entrants earlier rounds left, so a re-draw after an ineligible winner is round k + 1.
 */
export function drawPositions(seed: Buffer, orderedTokens: string[], rounds: number): number[] {
  const hashHex = entriesHash(orderedTokens).toString('hex');
  const remaining = orderedTokens.map((_, i) => i);
  const picked: number[] = [];
  for (let round = 1; round <= rounds && remaining.length; round++) {
    const index = pickIndex(seed, hashHex, round, remaining.length);
    picked.push(remaining[index] as number);
    remaining.splice(index, 1);
  }
  return picked;
}

export interface PublishedDraw {
  commitment: Buffer;
  seed: Buffer;
  /** The entry list as published, in its published order. */
  tokens: string[];
  entriesHash: Buffer;
  /** The tokens the draw says rounds 1, 2, … picked. */
  winners: string[];
}

export type Verification = { ok: true } | { ok: false; problems: string[] };

/** Re-runs a published draw and says whether everything it claims follows. */
export function verifyDraw(draw: PublishedDraw): Verification {
  const problems: string[] = [];
  if (!commitmentOf(draw.seed).equals(draw.commitment)) problems.push('the seed does not match the commitment published before the draw');
  const ordered = orderEntries(draw.tokens);
  if (ordered.some((t, i) => t !== draw.tokens[i])) problems.push('the entry list is not in token order');
  if (new Set(draw.tokens).size !== draw.tokens.length) problems.push('the entry list holds a token twice');
  if (!entriesHash(draw.tokens).equals(draw.entriesHash)) problems.push('the entry list does not match the published entries hash');
  const expected = drawPositions(draw.seed, ordered, draw.winners.length).map((p) => ordered[p]);
  draw.winners.forEach((token, i) => {
    if (expected[i] !== token) problems.push(`round ${i + 1}: the draw picks ${expected[i] ?? 'nobody'}, not ${token}`);
  });
  return problems.length ? { ok: false, problems } : { ok: true };
}

/**
 * Laplace noise from the operating system's cryptographic randomness (node:crypto), by the
 * inverse of the Laplace distribution function: for U uniform on (−½, ½),
 * X = −b · sign(U) · ln(1 − 2|U|) is Laplace with mean 0 and scale b. U is built from 53
 * random bits and never reaches ±½, so the logarithm is always finite.
 *
 * Math.random is not used: its state can be recovered from a few outputs, which would let a
 * recipient subtract the noise.
 */
import { randomInt } from 'node:crypto';

const TWO_POW_27 = 2 ** 27;
const TWO_POW_53 = 2 ** 53;

/** Uniform on the open interval (0, 1), 53 bits of cryptographic randomness. */
export function uniformOpen(): number {
  const high = randomInt(0, 2 ** 26);
  const low = randomInt(0, TWO_POW_27);
  return (high * TWO_POW_27 + low + 0.5) / TWO_POW_53;
}

/** One draw of Laplace(0, scale). */
export function sampleLaplace(scale: number, uniform: () => number = uniformOpen): number {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError('the Laplace scale must be a finite number above 0');
  const u = uniform() - 0.5;
  return -scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}

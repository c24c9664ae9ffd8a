/**
 * Vitest global set-up: builds the portal once before any test file runs, if its sources
 * changed since the last build (a no-op otherwise), so browser tests load the current portal.
 */
import { buildPortal } from '../../scripts/build-portal.mjs';

export default async function setup(): Promise<void> {
  await buildPortal({ log: (line) => process.stderr.write(`${line}\n`) });
}

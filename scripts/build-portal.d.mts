/** Types of scripts/build-portal.mjs, for the TypeScript that imports it (the tests' global set-up). */
export function sourceFingerprint(): Promise<string>;
export function buildPortal(options?: { force?: boolean; log?: (line: string) => void }): Promise<'built' | 'up to date'>;

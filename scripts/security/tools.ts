/**
 * The scanners: Debian's sqlmap and wapiti packages. Checks they are installed and answers
 * their versions. When they are missing, the run stops and says how to install them; in CI
 * (CI set) as root it installs them itself with apt-get, as a CI image starts without them.
 */
import { log, run, SetupError } from './processes.ts';

export interface ToolVersions {
  sqlmap: string;
  wapiti: string;
}

const installHint = 'Install them with: sudo apt-get install sqlmap wapiti   (Debian 12 "bookworm" has sqlmap 1.7.2 and wapiti 3.0.4)';

async function version(command: string, args: string[], pattern: RegExp): Promise<string | null> {
  try {
    const result = await run(command, args, { timeoutMs: 30_000 });
    const match = pattern.exec(`${result.stdout}\n${result.stderr}`);
    return match?.[1] ?? null;
  } catch {
    // spawn ENOENT: not installed.
    return null;
  }
}

async function versions(): Promise<{ sqlmap: string | null; wapiti: string | null }> {
  return {
    sqlmap: await version('sqlmap', ['--version'], /^(\d+\.\d+[^\s#]*)/m),
    wapiti: await version('wapiti', ['--version'], /^Wapiti[- ](\d+\.\d+\.\d+)\s*$/m),
  };
}

async function aptInstall(): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'sqlmap', 'wapiti']]) {
    log(`apt-get ${args.join(' ')}`);
    const result = await run('apt-get', args, { env, timeoutMs: 10 * 60_000 });
    if (result.code !== 0) throw new SetupError(`apt-get ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr.slice(-2000)}`);
  }
}

export async function ensureTools(): Promise<ToolVersions> {
  let found = await versions();
  const missing = () => (['sqlmap', 'wapiti'] as const).filter((tool) => !found[tool]);
  if (missing().length > 0 && process.env.CI && process.getuid?.() === 0) {
    log(`${missing().join(' and ')} not installed; CI is set and this is root: installing with apt-get`);
    await aptInstall();
    found = await versions();
  }
  if (found.sqlmap && found.wapiti) return { sqlmap: found.sqlmap, wapiti: found.wapiti };
  throw new SetupError(`${missing().join(' and ')} ${missing().length > 1 ? 'are' : 'is'} not installed (or did not answer --version).\n  ${installHint}`);
}

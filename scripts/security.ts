/**
 * `npm run security`: Hark's security checks (docs/security.md).
 *
 *   npm run security [-- --only sqlmap,wapiti,audit] [--report-dir DIR] [--allow-no-audit]
 *
 * Starts `hark serve --demo` on a fresh PostgreSQL database (made on the server of
 * DATABASE_URL, default postgres://postgres:postgres@127.0.0.1:5432/postgres, and dropped at
 * the end), runs sqlmap against the public forms, the portal sign-in and the privacy request
 * form, and wapiti against the public pages and the portal signed in, and runs
 * `npm audit --omit=dev`. Exits 1 on any finding of medium severity or above (high or above
 * for npm audit) that is not a listed false positive (scripts/security/findings.ts), and
 * when a check could not run as it should: a check that did not run is never a pass.
 * An audit that cannot reach the advisory database fails the run too, unless
 * --allow-no-audit, which reports it as not run.
 *
 * Progress goes to stderr, the summary to stdout; the tools' logs and reports stay in the
 * report folder (printed at the end). Processes and the database are cleaned up always,
 * on failure and on Ctrl-C too.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describeFinding, failingSeverity, triage, type Finding, type Tool } from './security/findings.ts';
import { createScanDatabase, raisedRateLimits, startHark, type ScanDatabase, type RunningHark } from './security/hark-server.ts';
import { runNpmAudit, type AuditOutcome } from './security/npm-audit.ts';
import { log, SetupError, stopAll } from './security/processes.ts';
import { runSqlmap, sqlmapOptions, type SqlmapRun } from './security/sqlmap.ts';
import { checkTarget, publicStartPaths, sqlmapTargets } from './security/targets.ts';
import { ensureTools, type ToolVersions } from './security/tools.ts';
import { apiStartUrls, fetchOpenApi, findClientIds, findOperatorIds, runWapiti, signIn, wapitiLimits, wapitiModules, type WapitiRun } from './security/wapiti.ts';

const root = path.resolve(import.meta.dirname, '..');
const checks = ['sqlmap', 'wapiti', 'audit'] as const;
type Check = (typeof checks)[number];

const usage = 'usage: npm run security [-- --only sqlmap,wapiti,audit] [--report-dir DIR] [--allow-no-audit]';

function readFlags() {
  try {
    return parseArgs({
      options: {
        only: { type: 'string' },
        'report-dir': { type: 'string' },
        'allow-no-audit': { type: 'boolean', default: false },
      },
      allowPositionals: false,
    }).values;
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
    process.exit(2);
  }
}
const flags = readFlags();

function selectedChecks(): Check[] {
  if (!flags.only) return [...checks];
  const chosen = flags.only.split(',').map((c) => c.trim());
  const unknown = chosen.filter((c) => !(checks as readonly string[]).includes(c));
  if (unknown.length > 0) throw new SetupError(`--only: unknown check(s) ${unknown.join(', ')}; choose from ${checks.join(', ')}\n${usage}`);
  return chosen as Check[];
}

// Clean-up runs in reverse order, on success, failure and Ctrl-C alike.
const cleanups: Array<() => Promise<unknown>> = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()?.();
    } catch (error) {
      log(`clean-up step failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  await stopAll();
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`\n${signal}: stopping the scanners and Hark, dropping the database…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;

interface Outcome {
  findings: Finding[];
  /** Checks that did not run as they should; each fails the run. */
  problems: string[];
  toolsRun: Tool[];
  lines: string[];
}

async function scanHark(selected: Check[], reportDir: string, versions: ToolVersions, outcome: Outcome): Promise<void> {
  const database: ScanDatabase = await createScanDatabase();
  cleanups.push(async () => {
    await database.drop();
    log(`dropped database ${database.name}`);
  });
  log(`database ${database.name} on PostgreSQL ${database.serverVersion}`);
  const hark: RunningHark = await startHark(database, reportDir);
  cleanups.push(() => hark.stop());
  outcome.lines.push(`Hark: hark serve --demo on PostgreSQL ${database.serverVersion}, raised rate limits (${Object.keys(raisedRateLimits).join(', ')})`);

  if (selected.includes('sqlmap')) {
    const runs: SqlmapRun[] = [];
    for (const checked of await sqlmapTargets(hark.baseUrl, hark.demo)) {
      const refused = await checkTarget(checked);
      if (refused) {
        outcome.problems.push(`sqlmap ${checked.target.name}: ${refused}`);
        continue;
      }
      const result = await runSqlmap(checked.target, reportDir, 8 * 60_000);
      runs.push(result);
      outcome.findings.push(...result.findings);
      outcome.problems.push(...result.problems.map((p) => `sqlmap ${checked.target.name}: ${p}`));
    }
    outcome.toolsRun.push('sqlmap');
    outcome.lines.push(`sqlmap ${versions.sqlmap} (${sqlmapOptions.join(' ')}):`);
    for (const r of runs) {
      outcome.lines.push(`  ${r.target.name.padEnd(18)} POST ${new URL(r.target.url).pathname.padEnd(24)} ${String(r.requests).padStart(5)} requests  ${minutes(r.ms)}  ${r.findings.length} finding(s)  [${r.target.parameters.join(', ')}]`);
    }
  }

  if (selected.includes('wapiti')) {
    const owner = hark.demo.logins.find((l) => l.role === 'owner') ?? hark.demo.logins[0];
    if (!owner) throw new Error('the demo printed no portal login');
    const openApi = await fetchOpenApi(hark.baseUrl);
    outcome.lines.push(`wapiti ${versions.wapiti} (modules ${wapitiModules.join(',')}; ${wapitiLimits.join(' ')}):`);

    // The public pages and the portal's API as the demo client's owner (who may do the most).
    const ownerSession = await signIn(hark.baseUrl, owner);
    const clientIds = await findClientIds(hark.baseUrl, ownerSession);
    const ownerApiUrls = apiStartUrls(openApi, hark.baseUrl, clientIds);
    const scans: Array<{ login: string; run: WapitiRun; apiUrls: number }> = [];
    scans.push({
      login: owner.email,
      apiUrls: ownerApiUrls.length,
      run: await runWapiti({
        name: 'public-and-owner',
        baseUrl: hark.baseUrl,
        scopeUrl: `${hark.baseUrl}/`,
        publicPaths: publicStartPaths(hark.demo, clientIds.drawId),
        apiUrls: ownerApiUrls,
        session: ownerSession,
        reportDir,
        timeoutMs: 15 * 60_000,
      }),
    });

    // The operator console's API as operator staff (after sqlmap, complaints exist to open).
    const operator = hark.demo.operatorLogin;
    if (operator) {
      const operatorSession = await signIn(hark.baseUrl, operator);
      const operatorApiUrls = apiStartUrls(openApi, hark.baseUrl, await findOperatorIds(hark.baseUrl, operatorSession)).filter((url) => url.startsWith(`${hark.baseUrl}/api/v1/operator/`));
      scans.push({
        login: operator.email,
        apiUrls: operatorApiUrls.length,
        run: await runWapiti({
          name: 'operator',
          baseUrl: hark.baseUrl,
          scopeUrl: `${hark.baseUrl}/api/v1/operator/`,
          publicPaths: [],
          apiUrls: operatorApiUrls,
          session: operatorSession,
          reportDir,
          timeoutMs: 10 * 60_000,
        }),
      });
    } else {
      outcome.problems.push('wapiti: the demo printed no operator login, so the operator console was not scanned');
    }

    for (const scan of scans) {
      const result = scan.run;
      outcome.findings.push(...result.findings);
      outcome.problems.push(...result.problems.map((p) => `wapiti (${scan.login}): ${p}`));
      outcome.lines.push(
        `  ${result.startUrls.length} start URLs (${result.startUrls.length - scan.apiUrls} public pages, ${scan.apiUrls} API GETs signed in as ${scan.login})  ${minutes(result.ms)}  ${result.findings.length} finding(s)`,
      );
    }
    outcome.toolsRun.push('wapiti');
  }
}

function auditLines(outcome: AuditOutcome & { ms: number }): string[] {
  if (!outcome.ran) return [`npm audit --omit=dev: NOT RUN: ${outcome.reason}`];
  const counts = Object.entries(outcome.counts)
    .filter(([k]) => k !== 'total')
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  return [`npm audit --omit=dev: ${outcome.dependencies ?? '?'} production dependencies; advisories: ${counts}`];
}

async function main(): Promise<number> {
  const started = Date.now();
  const selected = selectedChecks();
  const reportDir = flags['report-dir'] ? path.resolve(flags['report-dir']) : await mkdtemp(path.join(os.tmpdir(), 'hark-security-'));
  await mkdir(reportDir, { recursive: true });
  const outcome: Outcome = { findings: [], problems: [], toolsRun: [], lines: [] };

  let versions: ToolVersions | null = null;
  if (selected.includes('sqlmap') || selected.includes('wapiti')) versions = await ensureTools();

  if (selected.includes('audit')) {
    const audit = await runNpmAudit(root);
    outcome.lines.push(...auditLines(audit));
    if (audit.ran) {
      outcome.findings.push(...audit.findings);
      outcome.toolsRun.push('npm audit');
    } else if (!flags['allow-no-audit']) {
      outcome.problems.push(`npm audit: ${audit.reason} (--allow-no-audit reports this without failing)`);
    }
  }

  if (versions) {
    try {
      await scanHark(selected, reportDir, versions, outcome);
    } finally {
      await cleanUp();
    }
  }

  const result = triage(outcome.findings, outcome.toolsRun);
  const out: string[] = ['', '== Hark security checks ==', ...outcome.lines, ''];
  for (const tool of outcome.toolsRun) {
    const of = (list: Finding[]) => list.filter((f) => f.tool === tool);
    out.push(
      `${tool}: ${of(result.failing).length} failing (${failingSeverity[tool]} or above), ${of(result.belowThreshold).length} below that, ${result.suppressed.filter((s) => s.finding.tool === tool).length} known false positive(s)`,
    );
  }
  if (result.failing.length > 0) {
    out.push('', 'FINDINGS (the run fails on these):');
    for (const f of result.failing) out.push(`  ${describeFinding(f)}`, ...f.detail.split('\n').map((l) => `      ${l}`));
  }
  if (result.belowThreshold.length > 0) {
    out.push('', 'Below the threshold (reported only):');
    for (const f of result.belowThreshold) out.push(`  ${describeFinding(f)} — ${f.detail.split('\n')[0]}`);
  }
  if (result.suppressed.length > 0) {
    out.push('', 'Known false positives (docs/security.md):');
    for (const s of result.suppressed) out.push(`  ${describeFinding(s.finding)}`);
  }
  if (result.unusedSuppressions.length > 0) {
    out.push('', 'False-positive entries that matched nothing (remove them from scripts/security/findings.ts):');
    for (const s of result.unusedSuppressions) out.push(`  ${s.tool} ${s.kind}: ${s.method} ${s.path} ${s.parameter}`);
  }
  if (outcome.problems.length > 0) {
    out.push('', 'CHECKS THAT DID NOT RUN AS THEY SHOULD (the run fails on these):');
    for (const p of outcome.problems) out.push(`  ${p}`);
  }
  const failed = result.failing.length > 0 || outcome.problems.length > 0;
  out.push('', `${failed ? 'FAILED' : 'PASSED'} in ${minutes(Date.now() - started)}; logs and reports in ${reportDir}`);
  const text = out.join('\n');
  console.log(text);
  await writeFile(path.join(reportDir, 'summary.txt'), `${text}\n`);
  await writeFile(path.join(reportDir, 'findings.json'), `${JSON.stringify({ ...result, problems: outcome.problems }, null, 2)}\n`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    const detail = error instanceof SetupError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`security checks could not run: ${detail}`);
    await cleanUp();
    process.exit(1);
  },
);

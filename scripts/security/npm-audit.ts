/**
 * `npm audit --omit=dev`: advisories of the packages Hark runs with in production. The
 * advisory database is asked by POST to the registry; a registry or proxy that refuses that
 * leaves the audit unrun, which is reported as such, never as a pass.
 */
import { z } from 'zod';
import type { Finding, Severity } from './findings.ts';
import { log, run } from './processes.ts';

const severityOf: Record<string, Severity> = { info: 'info', low: 'low', moderate: 'medium', high: 'high', critical: 'critical' };

const advisory = z.object({ title: z.string().optional(), url: z.string().optional(), severity: z.string().optional(), range: z.string().optional() }).passthrough();
const auditReport = z.object({
  vulnerabilities: z.record(
    z.string(),
    z.object({
      name: z.string(),
      severity: z.string(),
      isDirect: z.boolean().optional(),
      range: z.string().optional(),
      via: z.array(z.union([z.string(), advisory])),
      fixAvailable: z.unknown().optional(),
    }),
  ),
  metadata: z.object({
    vulnerabilities: z.record(z.string(), z.number()),
    dependencies: z.record(z.string(), z.number()).optional(),
  }),
});

export type AuditOutcome =
  | { ran: true; findings: Finding[]; counts: Record<string, number>; dependencies: number | null }
  | { ran: false; reason: string };

/** Reads `npm audit --json` output (npm 7 and later). */
export function parseNpmAudit(json: string): AuditOutcome {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return { ran: false, reason: `npm audit printed no JSON: ${json.slice(0, 200)}` };
  }
  const report = auditReport.safeParse(data);
  if (!report.success) {
    const error = z.object({ message: z.string().optional(), statusCode: z.number().optional(), error: z.object({ summary: z.string().optional() }).passthrough().optional() }).safeParse(data);
    const message = error.success ? [error.data.message, error.data.error?.summary].filter(Boolean).join('; ') : '';
    return { ran: false, reason: `the advisory database could not be asked: ${message || 'an answer npm audit could not read'}` };
  }
  const findings: Finding[] = Object.values(report.data.vulnerabilities).map((v) => {
    const advisories = v.via.filter((x): x is z.infer<typeof advisory> => typeof x !== 'string');
    const through = v.via.filter((x): x is string => typeof x === 'string');
    return {
      tool: 'npm audit',
      kind: advisories[0]?.title ?? `vulnerable through ${through.join(', ')}`,
      severity: severityOf[v.severity] ?? 'high',
      method: '',
      path: v.name,
      parameter: '',
      detail: [
        `${v.name}${v.range ? ` ${v.range}` : ''} (${v.isDirect ? 'direct dependency' : 'indirect'})`,
        ...advisories.map((a) => `${a.severity ?? '?'}: ${a.title ?? ''} ${a.url ?? ''}`.trim()),
        ...(through.length > 0 ? [`through ${through.join(', ')}`] : []),
        `fix available: ${JSON.stringify(v.fixAvailable ?? false)}`,
      ].join('\n'),
    };
  });
  return { ran: true, findings, counts: report.data.metadata.vulnerabilities, dependencies: report.data.metadata.dependencies?.prod ?? null };
}

export async function runNpmAudit(root: string): Promise<AuditOutcome & { ms: number }> {
  log('npm audit --omit=dev');
  const result = await run('npm', ['audit', '--omit=dev', '--json'], { cwd: root, timeoutMs: 3 * 60_000 });
  if (result.timedOut) return { ran: false, reason: 'npm audit did not answer within 3 minutes', ms: result.ms };
  // npm audit exits 1 when it finds advisories, and also when it cannot ask for them.
  return { ...parseNpmAudit(result.stdout), ms: result.ms };
}

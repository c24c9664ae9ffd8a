/**
 * What the security checks report: one shape of finding for every tool, the severities the
 * run fails on, and the list of findings judged false positives (each with its reason, and
 * matched exactly: tool, kind, method, path and parameter, never a whole module or tool).
 */

export const severities = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

export type Tool = 'sqlmap' | 'wapiti' | 'npm audit';

/**
 * The run fails on a finding at or above this severity: medium for what the scanners find in
 * Hark, high for advisories of its production dependencies (npm's "moderate" advisories are
 * reported, and mostly concern uses Hark does not make).
 */
export const failingSeverity: Readonly<Record<Tool, Severity>> = { sqlmap: 'medium', wapiti: 'medium', 'npm audit': 'high' };

export interface Finding {
  tool: Tool;
  /** What was found, in the tool's words (wapiti's category, "SQL injection", a package name …). */
  kind: string;
  severity: Severity;
  /** HTTP method; empty for findings that are not about one request (npm audit). */
  method: string;
  /** Path on the scanned Hark (no host), or the package for npm audit. */
  path: string;
  /** The parameter the finding is about; empty when it is about the whole request or page. */
  parameter: string;
  /** The tool's own description, and the request that showed it where there is one. */
  detail: string;
}

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return severities.indexOf(severity) >= severities.indexOf(threshold);
}

/** A finding judged a false positive; docs/security.md explains each one at length. */
export interface Suppression {
  tool: Tool;
  kind: string;
  method: string;
  path: string;
  parameter: string;
  reason: string;
}

/**
 * The false positives. Keep this list short and every entry exact: a new finding on the same
 * form or in another parameter is reported, and an entry that no longer matches anything is
 * reported too, so that it gets removed.
 */
export const suppressions: readonly Suppression[] = [
  {
    tool: 'wapiti',
    kind: 'Cross Site Request Forgery',
    method: 'POST',
    path: '/privacy/request',
    parameter: '',
    reason:
      'The form acts for nobody: it carries no session and starts a request that only a code sent to the address given can confirm. ' +
      'Cross-site posts are refused by the Origin check of public forms (src/http/cross-site-forms.ts, tested), which wapiti 3.0.4 does not recognise: it looks only for a token field.',
  },
  {
    tool: 'wapiti',
    kind: 'Cross Site Request Forgery',
    method: 'POST',
    path: '/privacy/complaint',
    parameter: '',
    reason:
      'The form acts for nobody: it carries no session and records a complaint for operator staff to answer at the address given. ' +
      'Cross-site posts are refused by the Origin check of public forms (src/http/cross-site-forms.ts, tested), which wapiti 3.0.4 does not recognise: it looks only for a token field.',
  },
];

function matches(suppression: Suppression, finding: Finding): boolean {
  return (
    suppression.tool === finding.tool &&
    suppression.kind === finding.kind &&
    suppression.method === finding.method &&
    suppression.path === finding.path &&
    suppression.parameter === finding.parameter
  );
}

export interface Triage {
  /** Findings at or above the failing severity that no suppression matches: the run fails on these. */
  failing: Finding[];
  /** Findings below the failing severity: reported, not failed on. */
  belowThreshold: Finding[];
  suppressed: { finding: Finding; reason: string }[];
  /** Suppressions of a tool that ran but matched nothing: stale, to be removed. */
  unusedSuppressions: Suppression[];
}

/** Sorts findings into what fails the run, what is only reported, and what is suppressed. */
export function triage(findings: readonly Finding[], toolsRun: readonly Tool[], list: readonly Suppression[] = suppressions): Triage {
  const result: Triage = { failing: [], belowThreshold: [], suppressed: [], unusedSuppressions: [] };
  const used = new Set<Suppression>();
  for (const finding of findings) {
    const suppression = list.find((s) => matches(s, finding));
    if (suppression) {
      used.add(suppression);
      result.suppressed.push({ finding, reason: suppression.reason });
    } else if (atLeast(finding.severity, failingSeverity[finding.tool])) {
      result.failing.push(finding);
    } else {
      result.belowThreshold.push(finding);
    }
  }
  result.unusedSuppressions = list.filter((s) => toolsRun.includes(s.tool) && !used.has(s));
  return result;
}

/** One line per finding, for the summary. */
export function describeFinding(finding: Finding): string {
  const where = [finding.method, finding.path].filter(Boolean).join(' ');
  const parameter = finding.parameter ? ` parameter ${finding.parameter}` : '';
  return `[${finding.severity}] ${finding.kind}: ${where}${parameter}`;
}

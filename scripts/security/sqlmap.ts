/**
 * sqlmap against the endpoints where input from anyone on the internet reaches SQL: the
 * public forms, the portal sign-in and the privacy request form. Each target is run on its
 * own, in batch mode, and read back from sqlmap's CSV of injection points and its log of
 * every HTTP exchange (a 5xx answer to a payload is a finding too: input the server did not
 * handle).
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Finding } from './findings.ts';
import { log, run } from './processes.ts';

/** One endpoint for sqlmap: a POST with a body that Hark accepts as it is. */
export interface SqlmapTarget {
  name: string;
  url: string;
  /** The body as a browser or the portal sends it; sqlmap puts its payloads into each field. */
  data: string;
  /** The fields (and headers, at level 3: User-Agent, Referer) sqlmap must have tested. */
  parameters: string[];
  /** Extra sqlmap options for this target. */
  options?: string[];
}

/**
 * Level 3 tests every form or JSON field, the cookies, User-Agent and Referer (Hark stores the
 * User-Agent of a sign-in); risk 2 adds the heavier time-based tests but not the OR-based ones
 * (risk 3), which on an UPDATE could rewrite every row. Hark runs on PostgreSQL only, so only
 * PostgreSQL's payloads are sent. All techniques (boolean, error, union, stacked, time, inline).
 * Batch mode takes sqlmap's default answers, but two: it goes on testing the other fields
 * after finding one injectable, and it does not skip a field it guesses is cast to a number.
 */
export const sqlmapOptions = ['--batch', '--level=3', '--risk=2', '--dbms=PostgreSQL', '--time-sec=3', '--disable-coloring', '--answers=keep testing=Y,skip those kind=N'];

export interface SqlmapRun {
  target: SqlmapTarget;
  findings: Finding[];
  /** Why the run did not test what it should have; the run fails on any. */
  problems: string[];
  requests: number;
  ms: number;
}

export async function runSqlmap(target: SqlmapTarget, reportDir: string, timeoutMs: number): Promise<SqlmapRun> {
  const dir = path.join(reportDir, 'sqlmap', target.name);
  await mkdir(dir, { recursive: true });
  const resultsFile = path.join(dir, 'results.csv');
  const trafficFile = path.join(dir, 'traffic.txt');
  const args = [
    '-u',
    target.url,
    `--data=${target.data}`,
    ...sqlmapOptions,
    ...(target.options ?? []),
    `--output-dir=${dir}`,
    `--results-file=${resultsFile}`,
    '-t',
    trafficFile,
  ];
  log(`sqlmap: ${target.name} (${target.url})`);
  const result = await run('sqlmap', args, { timeoutMs, logFile: path.join(dir, 'sqlmap.log') });
  const problems: string[] = [];
  if (result.timedOut) problems.push(`sqlmap did not finish within ${Math.round(timeoutMs / 1000)} s`);
  if (result.code !== 0) problems.push(`sqlmap exited with ${result.code ?? result.signal}`);
  problems.push(...checkSqlmapOutput(result.stdout, target.parameters));

  const url = new URL(target.url);
  const findings = parseSqlmapResults(await readFile(resultsFile, 'utf8').catch(() => ''), url.pathname);
  if (findings.length === 0 && /sqlmap identified the following injection point/.test(result.stdout)) {
    findings.push({ tool: 'sqlmap', kind: 'SQL injection', severity: 'critical', method: 'POST', path: url.pathname, parameter: '', detail: 'sqlmap reported injection points (see its log)' });
  }
  const traffic = await readFile(trafficFile, 'utf8').catch(() => '');
  findings.push(...serverErrorFindings(parseTraffic(traffic), target.data));
  return { target, findings, problems, requests: countRequests(traffic), ms: result.ms };
}

/** What went wrong in a run, from sqlmap's output: errors, and parameters it never tested. */
export function checkSqlmapOutput(stdout: string, parameters: readonly string[]): string[] {
  const problems: string[] = [];
  const critical = stdout.split('\n').filter((line) => /\[CRITICAL\]/.test(line));
  if (critical.length > 0) problems.push(`sqlmap reported: ${[...new Set(critical.map((l) => l.replace(/^\[[\d:]+\] /, '')))].slice(0, 3).join('; ')}`);
  const tested = new Set([...stdout.matchAll(/testing for SQL injection on (?:\(custom\) )?(?:\w+ )?parameter '(?:JSON )?([^']+)'/g)].map((m) => m[1]));
  const untested = parameters.filter((p) => !tested.has(p));
  if (untested.length > 0) problems.push(`sqlmap did not test ${untested.map((p) => `'${p}'`).join(', ')}`);
  return problems;
}

/** The injection points in sqlmap's CSV (Target URL,Place,Parameter,Technique(s),Note(s)). */
export function parseSqlmapResults(csv: string, pathName: string): Finding[] {
  const lines = csv.split(/\r?\n/).filter((line) => line.trim() !== '');
  return lines
    .slice(1)
    .map((line) => line.split(','))
    .map(([, place = '', parameter = '', techniques = '', notes = '']) => ({
      tool: 'sqlmap' as const,
      kind: 'SQL injection',
      severity: 'critical' as const,
      method: place === 'GET' ? 'GET' : 'POST',
      path: pathName,
      parameter,
      detail: `injectable (${place}) by technique(s) ${techniques}${notes ? `; ${notes}` : ''}`,
    }));
}

export interface Exchange {
  requestLine: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

/** The exchanges of sqlmap's traffic file (-t): each request with the status of its answer. */
export function parseTraffic(text: string): Exchange[] {
  const exchanges: Exchange[] = [];
  for (const entry of text.split(/^#{20,}\s*$/m)) {
    const request = /HTTP request \[#\d+\]:\r?\n([\s\S]*?)\r?\n\r?\n([\s\S]*?)\n\nHTTP response \[#\d+\] \((\d{3})/.exec(entry);
    if (!request) continue;
    const [requestLine = '', ...headerLines] = (request[1] ?? '').split(/\r?\n/);
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    exchanges.push({ requestLine, headers, body: (request[2] ?? '').replace(/\r/g, ''), status: Number(request[3]) });
  }
  return exchanges;
}

export function countRequests(traffic: string): number {
  return (traffic.match(/^HTTP request \[#\d+\]:/gm) ?? []).length;
}

function fieldsOf(body: string): Map<string, string> {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    try {
      return new Map(Object.entries(JSON.parse(trimmed) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    } catch {
      return new Map();
    }
  }
  return new Map([...new URLSearchParams(trimmed)]);
}

/** Which field of a request differs from the original body: the one sqlmap was testing. */
function injectedField(body: string, original: Map<string, string>, headers: Record<string, string>): string {
  const fields = fieldsOf(body);
  for (const [name, value] of fields) if (original.get(name) !== value) return name;
  for (const header of ['user-agent', 'referer', 'cookie']) {
    if (headers[header] && /['"()]|select|sleep|union/i.test(headers[header])) return header === 'user-agent' ? 'User-Agent' : header === 'referer' ? 'Referer' : 'Cookie';
  }
  return fields.size === 0 && body.trim() !== '' ? '(body)' : '';
}

/** One finding per parameter whose payloads were answered 5xx: input the server did not handle. */
export function serverErrorFindings(exchanges: readonly Exchange[], originalData: string): Finding[] {
  const original = fieldsOf(originalData);
  const byParameter = new Map<string, { exchange: Exchange; count: number }>();
  for (const exchange of exchanges) {
    if (exchange.status < 500) continue;
    const parameter = injectedField(exchange.body, original, exchange.headers);
    const seen = byParameter.get(parameter);
    if (seen) seen.count += 1;
    else byParameter.set(parameter, { exchange, count: 1 });
  }
  return [...byParameter].map(([parameter, { exchange, count }]) => {
    const [method = 'POST', target = ''] = exchange.requestLine.split(' ');
    return {
      tool: 'sqlmap' as const,
      kind: `Server error (${exchange.status})`,
      severity: 'high' as const,
      method,
      path: target.split('?')[0] ?? target,
      parameter,
      detail: `${count} payload(s) answered with ${exchange.status}, e.g. ${exchange.requestLine} with body ${JSON.stringify(exchange.body.slice(0, 300))}`,
    };
  });
}

/**
 * wapiti against the public pages and, signed in as the demo's owner, the portal. The portal
 * is a single-page app that wapiti 3.0.4 cannot crawl (it runs no JavaScript), so the scan
 * starts from every GET operation of the JSON API the portal uses, read from Hark's own
 * OpenAPI document, with its path and query parameters filled in from the demo's data; wapiti
 * then attacks each query parameter and every form it finds on the public pages.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Finding, Severity } from './findings.ts';
import type { DemoLogin } from './hark-server.ts';
import { log, run } from './processes.ts';

/**
 * Attack modules. Left out: ssrf and xxe (they need wapiti's endpoint on the internet),
 * nikto, buster, wapp (lists fetched from the internet, or brute force that takes hours),
 * brute_login_form (guesses passwords: locks the demo's accounts), shellshock (CGI bash).
 */
export const wapitiModules = ['blindsql', 'cookieflags', 'csp', 'exec', 'file', 'http_headers', 'permanentxss', 'redirect', 'sql', 'xss', 'crlf', 'csrf', 'methods', 'backup', 'htaccess'];

/** Bounds of one run: crawl depth and breadth, and time per phase. */
export const wapitiLimits = ['--depth=4', '--max-links-per-page=60', '--max-files-per-dir=200', '--max-scan-time=180', '--max-attack-time=90', '--timeout=10', '--scan-force=normal'];

export interface Session {
  cookie: string;
  csrfToken: string;
  /** Null for operator staff, who work in no client unless they open one. */
  activeClientId: string | null;
}

const sessionAnswer = z.object({ csrfToken: z.string(), activeClientId: z.string().nullable() });

/** Signs in through the portal's API, as the portal does; answers the session cookie. */
export async function signIn(baseUrl: string, login: DemoLogin): Promise<Session> {
  const response = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: login.email, password: login.password }),
  });
  if (response.status !== 200) throw new Error(`signing in as ${login.email} answered ${response.status}: ${await response.text()}`);
  const cookie = response.headers.getSetCookie().map((c) => /^hark_session=([^;]+)/.exec(c)?.[1]).find(Boolean);
  if (!cookie) throw new Error('signing in set no hark_session cookie');
  const body = sessionAnswer.parse(await response.json());
  return { cookie, csrfToken: body.csrfToken, activeClientId: body.activeClientId };
}

export async function sessionIsValid(baseUrl: string, session: Session): Promise<boolean> {
  const response = await fetch(`${baseUrl}/api/v1/auth/session`, { headers: { cookie: `hark_session=${session.cookie}` } });
  return response.status === 200;
}

const openApiSchema = z.object({
  paths: z.record(
    z.string(),
    z.record(
      z.string(),
      z
        .object({
          parameters: z
            .array(
              z.object({
                in: z.string(),
                name: z.string(),
                required: z.boolean().optional(),
                schema: z.object({ type: z.string().optional(), enum: z.array(z.unknown()).optional(), pattern: z.string().optional(), minimum: z.number().optional(), default: z.unknown().optional() }).passthrough().optional(),
              }),
            )
            .optional(),
        })
        .passthrough(),
    ),
  ),
});
export type OpenApi = z.infer<typeof openApiSchema>;

/** Hark's OpenAPI document, as served at /api/v1/openapi.json. */
export async function fetchOpenApi(baseUrl: string): Promise<OpenApi> {
  const response = await fetch(`${baseUrl}/api/v1/openapi.json`);
  if (response.status !== 200) throw new Error(`GET /api/v1/openapi.json answered ${response.status}`);
  return openApiSchema.parse(await response.json());
}

/**
 * Values for path and query parameters, taken from the demo's data: by parameter name, or by
 * path template and name (`/api/v1/operator/complaints/{id} id`) where a name means different
 * things on different paths.
 */
export type KnownIds = Record<string, string>;

function isoDay(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

type Parameter = NonNullable<OpenApi['paths'][string][string]['parameters']>[number];

/** A value the API accepts for a query parameter, or null to leave it out. */
function exampleValue(parameter: Parameter, ids: KnownIds): string | null {
  const known = ids[parameter.name];
  if (known) return known;
  const schema = parameter.schema ?? {};
  if (schema.enum && schema.enum.length > 0) return String(schema.enum[0]);
  if (parameter.name === 'from') return isoDay(90);
  if (parameter.name === 'to') return isoDay(0);
  if (parameter.name === 'month') return isoDay(40).slice(0, 7);
  if (parameter.name === 'period') return isoDay(40).slice(0, 4);
  if (schema.type === 'integer' || schema.type === 'number') return String(schema.default ?? Math.max(schema.minimum ?? 1, 10));
  // A uuid or other pattern we have no value for: a made-up one would only be refused.
  if (schema.pattern) return null;
  if (schema.type === 'string' && parameter.name !== 'cursor') return 'coffee';
  return null;
}

/**
 * One URL per GET operation of the API whose path parameters we can fill, with every query
 * parameter we have a value for (each of them is then attacked by wapiti). Sign-out, and
 * anything not a GET, is never among them: wapiti sends only GETs and HTML-form POSTs, and
 * the API refuses form posts (it takes JSON only).
 */
export function apiStartUrls(openApi: OpenApi, baseUrl: string, ids: KnownIds): string[] {
  const urls: string[] = [];
  for (const [template, operations] of Object.entries(openApi.paths)) {
    const get = operations.get;
    if (!get || !template.startsWith('/api/v1/')) continue;
    const parameters = get.parameters ?? [];
    let filled = template;
    let complete = true;
    for (const name of [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '')) {
      const value = ids[`${template} ${name}`] ?? ids[name];
      if (!value) complete = false;
      else filled = filled.replace(`{${name}}`, encodeURIComponent(value));
    }
    if (!complete) continue;
    const query = new URLSearchParams();
    for (const parameter of parameters.filter((p) => p.in === 'query')) {
      const value = exampleValue(parameter, ids);
      if (value !== null) query.set(parameter.name, value);
    }
    const search = query.toString();
    urls.push(`${baseUrl}${filled}${search ? `?${search}` : ''}`);
  }
  return urls;
}

const idList = z.array(z.object({ id: z.string() }).passthrough());
const first = (value: unknown) => idList.parse(value)[0]?.id;

function getter(baseUrl: string, session: Session) {
  return async (pathName: string): Promise<unknown> => {
    const response = await fetch(`${baseUrl}${pathName}`, { headers: { cookie: `hark_session=${session.cookie}` } });
    if (response.status !== 200) throw new Error(`GET ${pathName} answered ${response.status}`);
    return response.json();
  };
}

function known(ids: Record<string, string | undefined>): KnownIds {
  return Object.fromEntries(Object.entries(ids).filter((entry): entry is [string, string] => Boolean(entry[1])));
}

/** Ids of the demo client's data, read through the API as one of its people. */
export async function findClientIds(baseUrl: string, session: Session): Promise<KnownIds> {
  const get = getter(baseUrl, session);
  const feedback = z.object({ items: idList }).parse(await get('/api/v1/feedback?limit=1')).items[0]?.id;
  const locations = z
    .array(z.object({ id: z.string(), subMeasures: z.array(z.object({ id: z.string() })).optional() }))
    .parse(await get('/api/v1/locations'));
  const withStaff = locations.find((l) => (l.subMeasures ?? []).length > 0);
  return known({
    clientId: session.activeClientId ?? undefined,
    feedbackId: feedback,
    caseId: first(await get('/api/v1/cases?limit=1')),
    programmeId: first(await get('/api/v1/programmes')),
    drawId: first(await get('/api/v1/prize-draws')),
    theme: first(await get('/api/v1/themes')),
    locationId: withStaff?.id ?? locations[0]?.id,
    subMeasureId: withStaff?.subMeasures?.[0]?.id,
  });
}

/** Ids the operator console works with: clients, policy versions, complaints, privacy requests. */
export async function findOperatorIds(baseUrl: string, session: Session): Promise<KnownIds> {
  const get = getter(baseUrl, session);
  const versions = z.array(z.object({ version: z.number() })).parse(await get('/api/v1/operator/policy-versions'));
  const privacyRequest = first(await get('/api/v1/operator/privacy-requests?state=all'));
  return known({
    clientId: first(await get('/api/v1/operator/clients')),
    version: versions[0] ? String(versions[0].version) : undefined,
    '/api/v1/operator/complaints/{id} id': first(await get('/api/v1/operator/complaints?state=all')),
    '/api/v1/operator/privacy-requests/{id} id': privacyRequest,
    '/api/v1/operator/privacy-requests/{id}/package id': privacyRequest,
  });
}

/** wapiti's cookie file (its JsonCookie format): the session cookie for the scanned host. */
export function cookieFile(host: string, cookie: string): string {
  return JSON.stringify({ [host]: { '/': { hark_session: { value: cookie, expires: null, secure: false, port: null, version: 0 } } } }, null, 2);
}

const levels: Record<string, Severity> = { '0': 'info', '1': 'low', '2': 'medium', '3': 'high', '4': 'critical' };

const entry = z.object({ method: z.string(), path: z.string(), info: z.string(), level: z.union([z.number(), z.string()]), parameter: z.string().nullable().optional(), http_request: z.string().optional() });
const reportSchema = z.object({
  vulnerabilities: z.record(z.string(), z.array(entry)),
  anomalies: z.record(z.string(), z.array(entry)),
  additionals: z.record(z.string(), z.array(entry)).optional(),
  infos: z.object({ version: z.string().optional(), target: z.string().optional() }).passthrough().optional(),
});

/**
 * Every vulnerability and anomaly of wapiti's JSON report (levels 1 low, 2 medium, 3 high,
 * 4 critical; additionals are information only). Anomalies count: an answer 500 to a
 * payload is input the server did not handle, a timeout one it could not bear.
 */
export function parseWapitiReport(json: string): Finding[] {
  const report = reportSchema.parse(JSON.parse(json));
  const findings: Finding[] = [];
  const add = (group: Record<string, z.infer<typeof entry>[]>, fallback: Severity) => {
    for (const [kind, entries] of Object.entries(group)) {
      for (const e of entries) {
        findings.push({
          tool: 'wapiti',
          kind,
          severity: levels[String(e.level)] ?? fallback,
          method: e.method,
          path: e.path,
          parameter: e.parameter ?? '',
          detail: `${e.info}${e.http_request ? `\n${e.http_request.trim()}` : ''}`,
        });
      }
    }
  };
  add(report.vulnerabilities, 'high');
  add(report.anomalies, 'high');
  add(report.additionals ?? {}, 'info');
  // One finding per place, kind and message: a module reports each payload that worked.
  const unique = new Map<string, Finding>();
  for (const finding of findings) {
    const key = [finding.kind, finding.method, finding.path, finding.parameter, finding.severity, finding.detail.split('\n')[0]].join('\u0000');
    if (!unique.has(key)) unique.set(key, finding);
  }
  return [...unique.values()];
}

export interface WapitiRun {
  findings: Finding[];
  problems: string[];
  startUrls: string[];
  ms: number;
}

export interface WapitiScan {
  /** Names the scan's folder in the report folder. */
  name: string;
  baseUrl: string;
  /** wapiti's base URL: it crawls only under it. */
  scopeUrl: string;
  publicPaths: string[];
  apiUrls: string[];
  session: Session;
  reportDir: string;
  timeoutMs: number;
}

export async function runWapiti(scan: WapitiScan): Promise<WapitiRun> {
  const dir = path.join(scan.reportDir, 'wapiti', scan.name);
  await mkdir(dir, { recursive: true });
  const host = new URL(scan.baseUrl).hostname;
  const cookies = path.join(dir, 'cookies.json');
  await writeFile(cookies, cookieFile(host, scan.session.cookie), { mode: 0o600 });
  // wapiti loads every module at start, and its wapp module downloads a technology list
  // from the internet when its config folder has none: an empty one keeps the run offline.
  const configDir = path.join(dir, 'config');
  await mkdir(configDir, { recursive: true });
  await writeFile(path.join(configDir, 'apps.json'), '{}\n');
  const report = path.join(dir, 'report.json');
  const startUrls = [...scan.publicPaths.map((p) => `${scan.baseUrl}${p}`), ...scan.apiUrls];
  const args = [
    '--url',
    scan.scopeUrl,
    '--scope=folder',
    ...startUrls.flatMap((url) => ['--start', url]),
    '--cookie',
    cookies,
    '--module',
    wapitiModules.join(','),
    ...wapitiLimits,
    '--flush-session',
    '--store-session',
    path.join(dir, 'session'),
    '--store-config',
    configDir,
    // Never sends a crash report to the wapiti project.
    '--no-bugreport',
    '--verbose=1',
    '--format=json',
    '--output',
    report,
  ];
  log(`wapiti (${scan.name}): ${startUrls.length} start URLs under ${scan.scopeUrl}`);
  const result = await run('wapiti', args, { timeoutMs: scan.timeoutMs, logFile: path.join(dir, 'wapiti.log') });
  const problems: string[] = [];
  if (result.timedOut) problems.push(`wapiti did not finish within ${Math.round(scan.timeoutMs / 1000)} s`);
  if (result.code !== 0) problems.push(`wapiti exited with ${result.code ?? result.signal}${/Traceback/.test(result.stderr + result.stdout) ? ' (a Python traceback: see wapiti.log)' : ''}`);
  let findings: Finding[] = [];
  try {
    findings = parseWapitiReport(await readFile(report, 'utf8'));
  } catch (error) {
    problems.push(`wapiti's report could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const launched = [...result.stdout.matchAll(/Launching module (\w+)/g)].map((m) => m[1]);
  const notLaunched = wapitiModules.filter((m) => !launched.includes(m));
  if (notLaunched.length > 0) problems.push(`wapiti did not run the module(s) ${notLaunched.join(', ')}`);
  if (/Downloading from the web/.test(result.stdout)) problems.push('wapiti tried to download a list from the internet (see wapiti.log)');
  if (!result.stdout.includes(`${scan.baseUrl}/api/v1/`)) problems.push('wapiti attacked no URL of the API');
  if (!(await sessionIsValid(scan.baseUrl, scan.session))) problems.push('the portal session had ended by the end of the scan: part of it may have run signed out');
  return { findings, problems, startUrls, ms: result.ms };
}

/**
 * How `npm run security` reads what its tools report (scripts/security/): sqlmap's CSV of
 * injection points, its traffic log and console output, wapiti's JSON report, npm audit's
 * JSON, Hark's demo start-up message; and how findings are triaged. The samples are cut from
 * real runs of sqlmap 1.7.2, wapiti 3.0.4 and npm 11 (the injectable one against a
 * deliberately vulnerable server). A run of the tools themselves is `npm run security`.
 */
import { describe, expect, it } from 'vitest';
import { triage, type Finding, type Suppression } from '../../scripts/security/findings.ts';
import { parseDemoOutput } from '../../scripts/security/hark-server.ts';
import { parseNpmAudit } from '../../scripts/security/npm-audit.ts';
import { checkSqlmapOutput, countRequests, parseSqlmapResults, parseTraffic, serverErrorFindings } from '../../scripts/security/sqlmap.ts';
import { apiStartUrls, cookieFile, parseWapitiReport, type OpenApi } from '../../scripts/security/wapiti.ts';

const rule = '#'.repeat(76);

/** Two exchanges as sqlmap's -t file has them (CRLF inside, LF around). */
const traffic = [
  '',
  'HTTP request [#1]:\r\nPOST /privacy/request HTTP/1.1\r\nUser-agent: sqlmap/1.7.2#stable (https://sqlmap.org)\r\nContent-length: 80\r\n\r\nname=Sam+Scan&email=scan-1%40example.com&mobile=&kind=correction&details=Spelt+wrong\n\nHTTP response [#1] (303 See Other):\r\nLocation: /privacy/request/1/verify\r\n\r\n\n\n',
  '\n',
  `HTTP request [#2]:\r\nPOST /privacy/request HTTP/1.1\r\nUser-agent: sqlmap/1.7.2#stable (https://sqlmap.org)\r\nCookie: hark_privacy_request=3c9f.X2ng\r\nContent-length: 150\r\n\r\nname=Sam+Scan&email=scan%40example.com%27jBFbsA%3C%27%22%3EcZBBEE&mobile=&kind=correction&details=Spelt+wrong\r\n\nHTTP response [#2] (503 Service Unavailable):\r\ncontent-type: text/html\r\n\r\n<!doctype html>\n\n`,
].join(`${rule}\n`);

describe('sqlmap', () => {
  it('reads each injection point of its CSV as a critical finding', () => {
    const csv = 'Target URL,Place,Parameter,Technique(s),Note(s)\r\nhttp://127.0.0.1:39222/x,POST,name,BST,\r\n';
    expect(parseSqlmapResults(csv, '/x')).toEqual([
      { tool: 'sqlmap', kind: 'SQL injection', severity: 'critical', method: 'POST', path: '/x', parameter: 'name', detail: 'injectable (POST) by technique(s) BST' },
    ]);
    expect(parseSqlmapResults('Target URL,Place,Parameter,Technique(s),Note(s)\n', '/x')).toEqual([]);
  });

  it('finds the field whose payload was answered 5xx, and counts the requests', () => {
    const exchanges = parseTraffic(traffic);
    expect(exchanges.map((e) => e.status)).toEqual([303, 503]);
    expect(countRequests(traffic)).toBe(2);
    const findings = serverErrorFindings(exchanges, 'name=Sam+Scan&email=scan%40example.com&mobile=&kind=correction&details=Spelt+wrong');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ tool: 'sqlmap', kind: 'Server error (503)', severity: 'high', method: 'POST', path: '/privacy/request', parameter: 'email' });
    expect(findings[0]?.detail).toContain('1 payload(s) answered with 503');
  });

  it('names a JSON field and a header as the injected parameter', () => {
    const json = parseTraffic(
      `HTTP request [#1]:\r\nPOST /api/v1/auth/login HTTP/1.1\r\nContent-type: application/json\r\n\r\n{"email":"nobody@example.com' AND 1=1","password":"x"}\n\nHTTP response [#1] (500 Internal Server Error):\r\n\r\n\n\n${rule}\nHTTP request [#2]:\r\nPOST /api/v1/auth/login HTTP/1.1\r\nUser-agent: sqlmap' AND SLEEP(3)\r\n\r\n{"email":"nobody@example.com","password":"x"}\n\nHTTP response [#2] (500 Internal Server Error):\r\n\r\n`,
    );
    expect(serverErrorFindings(json, '{"email":"nobody@example.com","password":"x"}').map((f) => f.parameter)).toEqual(['email', 'User-Agent']);
  });

  it('says which fields it did not test, and what it could not do', () => {
    const stdout = [
      "[01:23:34] [INFO] testing for SQL injection on (custom) POST parameter 'JSON email'",
      "[01:23:34] [INFO] testing for SQL injection on POST parameter 'name'",
      "[01:23:35] [INFO] testing for SQL injection on parameter 'User-Agent'",
      "[01:29:01] [CRITICAL] unable to connect to the target URL ('Connection refused')",
    ].join('\n');
    expect(checkSqlmapOutput(stdout, ['email', 'name', 'User-Agent', 'mobile'])).toEqual([
      "sqlmap reported: [CRITICAL] unable to connect to the target URL ('Connection refused')",
      "sqlmap did not test 'mobile'",
    ]);
    expect(checkSqlmapOutput(stdout.split('\n').slice(0, 3).join('\n'), ['email', 'name', 'User-Agent'])).toEqual([]);
  });
});

describe('wapiti', () => {
  const report = JSON.stringify({
    classifications: {},
    vulnerabilities: {
      'Cross Site Request Forgery': [{ method: 'POST', path: '/privacy/complaint', info: 'Lack of anti CSRF token', level: 2, parameter: '', http_request: 'POST /privacy/complaint HTTP/1.1' }],
      'HTTP Secure Headers': [
        { method: 'GET', path: '/', info: 'X-XSS-Protection is not set', level: 1, parameter: '' },
        { method: 'GET', path: '/', info: 'Strict-Transport-Security is not set', level: 1, parameter: '' },
      ],
      'Blind SQL Injection': [],
    },
    anomalies: {
      'Internal Server Error': [
        { method: 'GET', path: '/api/v1/comments', info: 'The server responded with a 500 HTTP error code while attempting to inject a payload in the parameter term', level: 3, parameter: 'term', http_request: 'GET /api/v1/comments?term=%2Fe%00 HTTP/1.1' },
        { method: 'GET', path: '/api/v1/comments', info: 'The server responded with a 500 HTTP error code while attempting to inject a payload in the parameter term', level: 3, parameter: 'term', http_request: 'GET /api/v1/comments?term=%00 HTTP/1.1' },
      ],
    },
    additionals: {},
    infos: { target: 'http://127.0.0.1:45949/', version: 'Wapiti 3.0.4', scope: 'folder' },
  });

  it('reads vulnerabilities and anomalies with their level, once per place and message', () => {
    const findings = parseWapitiReport(report);
    expect(findings.map((f) => [f.kind, f.severity, f.method, f.path, f.parameter])).toEqual([
      ['Cross Site Request Forgery', 'medium', 'POST', '/privacy/complaint', ''],
      ['HTTP Secure Headers', 'low', 'GET', '/', ''],
      ['HTTP Secure Headers', 'low', 'GET', '/', ''],
      ['Internal Server Error', 'high', 'GET', '/api/v1/comments', 'term'],
    ]);
    expect(findings[3]?.detail).toContain('GET /api/v1/comments?term=%2Fe%00');
  });

  it('refuses a report of another shape rather than reading it as clean', () => {
    expect(() => parseWapitiReport('{"vulns": {}}')).toThrow();
  });

  it('writes the session cookie in its cookie-file format', () => {
    expect(JSON.parse(cookieFile('127.0.0.1', 'abc'))).toEqual({ '127.0.0.1': { '/': { hark_session: { value: 'abc', expires: null, secure: false, port: null, version: 0 } } } });
  });

  it('starts from every API GET whose path it can fill, with the query parameters it has values for', () => {
    const uuid = { type: 'string', pattern: '^[0-9a-f-]{36}$' };
    const openApi: OpenApi = {
      paths: {
        '/api/v1/feedback': {
          get: {
            parameters: [
              { in: 'query', name: 'locationId', schema: uuid },
              { in: 'query', name: 'status', schema: { type: 'string', enum: ['new', 'closed'] } },
              { in: 'query', name: 'q', schema: { type: 'string' } },
              { in: 'query', name: 'cursor', schema: { type: 'string' } },
              { in: 'query', name: 'theme', schema: uuid },
              { in: 'query', name: 'limit', schema: { type: 'integer', default: 25 } },
            ],
          },
          post: {},
        },
        '/api/v1/feedback/{feedbackId}': { get: { parameters: [{ in: 'path', name: 'feedbackId', required: true, schema: uuid }] } },
        '/api/v1/operator/disclosures/{disclosureId}': { get: {} },
        '/api/v1/auth/logout': { post: {} },
        '/f/{locationCode}': { get: {} },
      },
    };
    expect(apiStartUrls(openApi, 'http://h', { locationId: 'L1', feedbackId: 'F1' })).toEqual([
      'http://h/api/v1/feedback?locationId=L1&status=new&q=coffee&limit=25',
      'http://h/api/v1/feedback/F1',
    ]);
  });
});

describe('npm audit', () => {
  it('reports an audit the registry refused as not run, never as clean', () => {
    const refused = JSON.stringify({ message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', statusCode: 405, error: { summary: '', detail: '' } });
    expect(parseNpmAudit(refused)).toEqual({ ran: false, reason: 'the advisory database could not be asked: 405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk' });
    expect(parseNpmAudit('')).toMatchObject({ ran: false });
  });

  it('reads each vulnerable package with its severity (moderate is medium)', () => {
    const report = JSON.stringify({
      auditReportVersion: 2,
      vulnerabilities: {
        'fast-xml-parser': { name: 'fast-xml-parser', severity: 'high', isDirect: false, via: [{ title: 'Prototype pollution', url: 'https://github.com/advisories/GHSA-x', severity: 'high', range: '<4.2.4' }], range: '<4.2.4', fixAvailable: true },
        'aws-sdk': { name: 'aws-sdk', severity: 'moderate', isDirect: true, via: ['fast-xml-parser'], fixAvailable: false },
      },
      metadata: { vulnerabilities: { info: 0, low: 0, moderate: 1, high: 1, critical: 0, total: 2 }, dependencies: { prod: 120, dev: 40, total: 160 } },
    });
    const outcome = parseNpmAudit(report);
    expect(outcome.ran).toBe(true);
    if (!outcome.ran) return;
    expect(outcome.dependencies).toBe(120);
    expect(outcome.findings.map((f) => [f.path, f.severity, f.kind])).toEqual([
      ['fast-xml-parser', 'high', 'Prototype pollution'],
      ['aws-sdk', 'medium', 'vulnerable through fast-xml-parser'],
    ]);
    const clean = parseNpmAudit(JSON.stringify({ auditReportVersion: 2, vulnerabilities: {}, metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0 }, dependencies: { prod: 120 } } }));
    expect(clean).toMatchObject({ ran: true, findings: [] });
  });
});

describe('triage', () => {
  const finding = (over: Partial<Finding>): Finding => ({ tool: 'wapiti', kind: 'Cross Site Request Forgery', severity: 'medium', method: 'POST', path: '/privacy/request', parameter: '', detail: '', ...over });
  const list: Suppression[] = [{ tool: 'wapiti', kind: 'Cross Site Request Forgery', method: 'POST', path: '/privacy/request', parameter: '', reason: 'no session' }];

  it('suppresses only the exact finding listed; the same kind elsewhere fails the run', () => {
    const result = triage([finding({}), finding({ path: '/privacy/complaint' }), finding({ parameter: 'email' })], ['wapiti'], list);
    expect(result.suppressed.map((s) => s.finding.path)).toEqual(['/privacy/request']);
    expect(result.failing.map((f) => `${f.path} ${f.parameter}`)).toEqual(['/privacy/complaint ', '/privacy/request email']);
  });

  it('fails on medium and above from the scanners, on high and above from npm audit', () => {
    const result = triage(
      [
        finding({ kind: 'HTTP Secure Headers', severity: 'low', path: '/' }),
        finding({ tool: 'sqlmap', kind: 'Server error (500)', severity: 'high', path: '/f/x' }),
        finding({ tool: 'npm audit', kind: 'ReDoS', severity: 'medium', method: '', path: 'some-package' }),
        finding({ tool: 'npm audit', kind: 'RCE', severity: 'critical', method: '', path: 'other-package' }),
      ],
      ['wapiti', 'sqlmap', 'npm audit'],
      [],
    );
    expect(result.failing.map((f) => f.kind)).toEqual(['Server error (500)', 'RCE']);
    expect(result.belowThreshold.map((f) => f.kind)).toEqual(['HTTP Secure Headers', 'ReDoS']);
  });

  it('reports a listed false positive that no longer matches, for tools that ran', () => {
    expect(triage([], ['wapiti'], list).unusedSuppressions).toEqual(list);
    expect(triage([], ['sqlmap'], list).unusedSuppressions).toEqual([]);
  });
});

describe('the demo start-up message', () => {
  it('gives the feedback pages, a staff page and the logins', () => {
    const output = [
      'Hark is ready at http://127.0.0.1:4000',
      'Demo client "Harbour Lane Coffee" with 3925 feedback:',
      '  feedback page:  http://127.0.0.1:4000/f/ponsonby   (Ponsonby Road)',
      '  feedback page:  http://127.0.0.1:4000/f/britomart   (Britomart)',
      '  staff page:     http://127.0.0.1:4000/f/ponsonby/aroha',
      'Portal: http://127.0.0.1:4000/portal/',
      '  login: owner@harbourlane.example / harbour-lane-demo   (owner, all locations)',
      '  login: manager@harbourlane.example / harbour-lane-demo   (manager, Auckland region)',
      '  login: operator@hark.example / harbour-lane-demo   (operator staff: the operator console)',
    ].join('\n');
    expect(parseDemoOutput(output, 'http://127.0.0.1:4000')).toEqual({
      feedbackPaths: ['/f/ponsonby', '/f/britomart'],
      staffPath: '/f/ponsonby/aroha',
      logins: [
        { email: 'owner@harbourlane.example', password: 'harbour-lane-demo', role: 'owner' },
        { email: 'manager@harbourlane.example', password: 'harbour-lane-demo', role: 'manager' },
      ],
      operatorLogin: { email: 'operator@hark.example', password: 'harbour-lane-demo', role: 'operator' },
    });
  });
});

/**
 * The sqlmap targets on a running demo Hark, each with a body Hark accepts as it is (checked
 * once before sqlmap starts, so that sqlmap attacks the path real input takes, not an error
 * page), and the public pages wapiti starts from.
 */
import { randomInt } from 'node:crypto';
import type { DemoFacts } from './hark-server.ts';
import type { SqlmapTarget } from './sqlmap.ts';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** The fields sqlmap tests at level 3 besides the body's: Hark reads and stores the User-Agent. */
const headers = ['User-Agent', 'Referer'];

/** A target and how Hark answers its unchanged body. */
export interface CheckedTarget {
  target: SqlmapTarget;
  expect: { status: number; text?: RegExp };
  /** The body to check with, when sqlmap's own first request will differ (its --eval). */
  checkData?: string;
}

export async function sqlmapTargets(baseUrl: string, demo: DemoFacts): Promise<CheckedTarget[]> {
  const feedbackPath = demo.feedbackPaths[0];
  if (!feedbackPath) throw new Error('the demo has no feedback page');
  const page = await (await fetch(`${baseUrl}${feedbackPath}`)).text();
  const token = /name="token" value="([^"]+)"/.exec(page)?.[1];
  if (!token) throw new Error(`the feedback form at ${feedbackPath} has no form token`);
  const feedbackFields = {
    token,
    via: 'web',
    score: '7',
    comment: 'Great coffee, slow service at lunch',
    receipt_code: '',
    name: 'Sam Scan',
    email: 'sam.scan@example.com',
    mobile: '021 555 0123',
    contact_requested: 'yes',
    prize_draw: 'yes',
    accept_terms: 'yes',
    accept_privacy: 'yes',
  };

  const privacyEmail = 'scan@example.com';
  const privacyFields = { name: 'Sam Scan', email: privacyEmail, mobile: '', kind: 'correction', details: 'My name is spelt wrong: it is Sam, not Sām.' };
  return [
    {
      // The form token is single use: the check before sqlmap starts stores the feedback, and
      // every later post with the same token is found to be that feedback again, after going
      // through the same checks and the same insert (which does nothing on the token's key).
      // sqlmap leaves the token itself alone (it recognises an anti-CSRF field).
      target: {
        name: 'feedback-form',
        url: `${baseUrl}${feedbackPath}`,
        data: form(feedbackFields),
        parameters: [...Object.keys(feedbackFields).filter((f) => f !== 'token'), ...headers],
      },
      expect: { status: 200, text: /Thanks/ },
    },
    {
      // An address with no account: a real one would be locked after ten failures, and the
      // lock would change the answers mid-run. The email is what reaches SQL (the password
      // never does: it is checked against an argon2 hash).
      target: {
        name: 'portal-login',
        url: `${baseUrl}/api/v1/auth/login`,
        data: JSON.stringify({ email: 'nobody@harbourlane.example', password: 'not-the-demo-password' }),
        parameters: ['email', 'password', ...headers],
        options: ['--headers=Content-Type: application/json', '--ignore-code=401'],
      },
      expect: { status: 401 },
    },
    {
      // Hark takes three requests a day for one address. Each request sqlmap sends with the
      // address unchanged gets a fresh one (--eval), so the answers stay those of a new request;
      // while sqlmap tests the email field itself, its payload is left as it is.
      target: {
        name: 'privacy-request',
        url: `${baseUrl}/privacy/request`,
        data: form(privacyFields),
        parameters: ['name', 'email', 'mobile', 'kind', 'details', ...headers],
        options: [
          `--eval=import random; email = ("scan-%d@example.com" % random.randint(1, 10**12)) if email == "${privacyEmail}" else email`,
          // A new request is answered 303 to its code page; the answer itself is what counts.
          '--ignore-redirects',
        ],
      },
      expect: { status: 303 },
      checkData: form({ ...privacyFields, email: `scan-${randomInt(1, 2 ** 40)}@example.com` }),
    },
    {
      target: {
        name: 'privacy-complaint',
        url: `${baseUrl}/privacy/complaint`,
        data: form({ name: 'Sam Scan', email: 'sam.scan@example.com', business: 'Harbour Lane Coffee', details: 'I asked for a copy of what you hold about me a month ago and have heard nothing.' }),
        parameters: ['name', 'email', 'business', 'details', ...headers],
      },
      expect: { status: 200, text: /reference/i },
    },
  ];
}

/** Sends a target's body once, as sqlmap will first, and says what was wrong if Hark did not accept it. */
export async function checkTarget({ target, expect, checkData }: CheckedTarget): Promise<string | null> {
  const isJson = target.data.startsWith('{');
  const body = checkData ?? target.data;
  const response = await fetch(target.url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': isJson ? 'application/json' : 'application/x-www-form-urlencoded' },
    body,
  });
  const text = await response.text();
  if (response.status !== expect.status || (expect.text && !expect.text.test(text))) {
    return `its body was answered ${response.status} (expected ${expect.status}${expect.text ? ` with ${expect.text}` : ''}): ${text.slice(0, 300)}`;
  }
  return null;
}

/** Public pages for wapiti to start from (it finds the rest by following their links and forms). */
export function publicStartPaths(demo: DemoFacts, drawId: string | undefined): string[] {
  return ['/', ...demo.feedbackPaths.slice(0, 1), ...(demo.staffPath ? [demo.staffPath] : []), '/privacy', '/privacy/request', '/privacy/complaint', ...(drawId ? [`/draws/${drawId}`] : []), '/portal/'];
}

/**
 * The soak's customers. Each submission's comment is one a customer might write (the demo
 * data's comment material, suited to the score) followed by a marker of its own,
 * `#<run>w<n>` or `#<run>s<n>`, so it can be found in the database afterwards. The marker has
 * no word in it, so it adds no term to the comment analysis: markers shared by every comment
 * would make every submission update the same term rows, which real comments do not.
 *
 * - On the web, a phone's browser: it opens the feedback page, then posts the form with
 *   its one-time token. On a 503 it waits the Retry-After and sends the same form again; on
 *   a connection error or a timeout it waits a second and does the same. The same token
 *   each time: that is what makes a resubmission land on the first feedback.
 * - By text, the SMS provider: a signed webhook per text, sent again with the same
 *   MessageSid after a 503 or a connection error, as Twilio's retries are.
 *
 * Requests go round-robin over the web processes, as a load balancer would send them.
 * Every answer's status is recorded; a request that takes longer than the timeout counts as
 * a hang.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { composeComment, type CommentKind } from '../../src/demo/comments.ts';
import { parseScore } from '../../src/sms/reply-parsing.ts';
import type { SoakBusiness } from './setup.ts';

export interface LoadOptions {
  webUrls: string[];
  /** The URL every web process believes it is at (HARK_PUBLIC_URL): Twilio signs it. */
  publicUrl: string;
  twilioAuthToken: string;
  twilioAccountSid: string;
  business: SoakBusiness;
  /** Digits only: part of every marker. */
  runId: string;
  requestTimeoutMs: number;
  /** A submission not acknowledged by then is given up (and counted as a failure). */
  giveUpAt: () => number;
}

export type Channel = 'web' | 'sms';

export interface Submission {
  channel: Channel;
  marker: string;
  comment: string;
  score: number;
  locationId: string;
  /** The customer's mobile, for texts. */
  mobile: string | null;
  startedAt: number;
  ackedAt: number | null;
  attempts: number;
}

/** One answer (or its absence), for the record. */
export interface Exchange {
  what: 'web form' | 'web send' | 'sms';
  /** HTTP status, or 'connection error' / 'timeout'. */
  outcome: number | 'connection error' | 'timeout';
  /** When the answer came (or the request gave up), and how long it took, in ms. */
  at: number;
  ms: number;
  web: number;
  retryAfter: string | null;
  /** For unexpected answers: the start of the body. */
  detail?: string;
}

export class LoadRecord {
  readonly submissions: Submission[] = [];
  readonly exchanges: Exchange[] = [];
  readonly failures: string[] = [];

  note(exchange: Exchange): void {
    this.exchanges.push(exchange);
  }

  fail(message: string): void {
    if (this.failures.length < 200) this.failures.push(message);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits what the answer asked (Retry-After seconds), at most 10 s; 1 s when it asked nothing. */
function backoffMs(retryAfter: string | null): number {
  const seconds = Number(retryAfter);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 10) * 1000 : 1000;
}

function textOf(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

type Answer = ({ status: number; body: string; retryAfter: string | null } | { status: 'connection error' | 'timeout'; body: ''; retryAfter: null }) & { ms: number };

async function exchange(url: string, init: RequestInit, timeoutMs: number): Promise<Answer> {
  const started = Date.now();
  try {
    const response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    return { status: response.status, body, retryAfter: response.headers.get('retry-after'), ms: Date.now() - started };
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    return { status: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'connection error', body: '', retryAfter: null, ms: Date.now() - started };
  }
}

export class LoadClient {
  readonly record = new LoadRecord();
  #nextWeb = 0;

  constructor(private readonly options: LoadOptions) {}

  #pickWeb(): number {
    this.#nextWeb = (this.#nextWeb + 1) % this.options.webUrls.length;
    return this.#nextWeb;
  }

  /** One in ten scores 1 (an unhappy customer: an alert), the rest 3 to 5. */
  #scoreOf(index: number): number {
    return index % 10 === 3 ? 1 : 3 + (index % 3);
  }

  /**
   * A comment that suits the score, the same for the same submission in every run, and the
   * marker. A text says "<score> <comment>": one Hark would not read as that score ("5 10/10
   * would recommend", "3 more seats outside": a number or a quantity after the score) is
   * drawn again, since the soak is about faults, not about the parsing of unclear texts.
   */
  #commentOf(channel: Channel, index: number, score: number, marker: string): string {
    const random = seededRandom(index * 2 + (channel === 'sms' ? 1 : 0));
    const kind: CommentKind = score <= 2 ? 'complaint' : score === 3 ? (random() < 0.5 ? 'middling' : 'suggestion') : 'praise';
    for (let draw = 0; draw < 100; draw++) {
      const comment = `${composeComment(random, kind, { staff: null, online: channel === 'web' })} ${marker}`;
      if (channel === 'web') return comment;
      const read = parseScore(`${score} ${comment}`, 'recommend_5');
      if (read.kind === 'score' && read.score === score && read.rest === comment) return comment;
    }
    throw new Error(`no comment for text ${marker} reads as score ${score}`);
  }

  #noteUnexpected(what: Exchange['what'], answer: Answer, web: number, marker: string): void {
    const status = answer.status;
    if (status === 'timeout') this.record.fail(`${what} ${marker}: no answer within ${this.options.requestTimeoutMs / 1000} s (web ${web + 1})`);
    else if (typeof status === 'number' && status !== 503) this.record.fail(`${what} ${marker}: HTTP ${status} from web ${web + 1}: ${textOf(answer.body)}`);
    else if (status === 503 && !/^\d+$/.test(answer.retryAfter ?? '')) this.record.fail(`${what} ${marker}: 503 without a Retry-After (web ${web + 1})`);
  }

  /** A customer on the feedback page of a store. */
  async submitOnWeb(index: number): Promise<void> {
    const { business, runId } = this.options;
    const location = business.locations[index % business.locations.length];
    if (!location) throw new Error('the soak business has no locations');
    const score = this.#scoreOf(index);
    const marker = `#${runId}w${index}`;
    const submission: Submission = {
      channel: 'web',
      marker,
      comment: this.#commentOf('web', index, score, marker),
      score,
      locationId: location.id,
      mobile: null,
      startedAt: Date.now(),
      ackedAt: null,
      attempts: 0,
    };
    this.record.submissions.push(submission);
    const path = `/f/${location.code}`;
    let token: string | null = null;
    while (Date.now() < this.options.giveUpAt()) {
      const web = this.#pickWeb();
      const base = this.options.webUrls[web] as string;
      if (!token) {
        const page = await exchange(`${base}${path}`, {}, this.options.requestTimeoutMs);
        this.record.note({ what: 'web form', outcome: page.status, at: Date.now(), ms: page.ms, web, retryAfter: page.retryAfter });
        if (page.status === 200) {
          token = /name="token" value="([^"]+)"/.exec(page.body)?.[1] ?? null;
          if (!token) this.record.fail(`web form ${submission.marker}: the page has no form token`);
        } else {
          this.#noteUnexpected('web form', page, web, submission.marker);
          await sleep(backoffMs(page.retryAfter));
        }
        continue;
      }
      submission.attempts += 1;
      const body = new URLSearchParams({ token, score: String(submission.score), comment: submission.comment }).toString();
      const sent = await exchange(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }, this.options.requestTimeoutMs);
      const thanked = sent.status === 200 && sent.body.includes('Thank you for your feedback');
      this.record.note({ what: 'web send', outcome: sent.status, at: Date.now(), ms: sent.ms, web, retryAfter: sent.retryAfter, ...(sent.status === 200 && !thanked ? { detail: textOf(sent.body) } : {}) });
      if (thanked) {
        submission.ackedAt = Date.now();
        return;
      }
      if (sent.status === 200) this.record.fail(`web send ${submission.marker}: 200 without the thank-you page: ${textOf(sent.body)}`);
      else this.#noteUnexpected('web send', sent, web, submission.marker);
      await sleep(backoffMs(sent.retryAfter));
    }
    this.record.fail(`web ${submission.marker}: never acknowledged (${submission.attempts} sends)`);
  }

  /** A customer texting "<store code> <score> <comment>" in one message. */
  async submitBySms(index: number): Promise<void> {
    const { business, runId, publicUrl, twilioAuthToken, twilioAccountSid } = this.options;
    const location = business.locations[index % business.locations.length];
    if (!location) throw new Error('the soak business has no locations');
    const score = this.#scoreOf(index);
    const marker = `#${runId}s${index}`;
    const submission: Submission = {
      channel: 'sms',
      marker,
      comment: this.#commentOf('sms', index, score, marker),
      score,
      locationId: location.id,
      // A phone of its own per text: one conversation each, and no per-number limit met.
      mobile: `+6421${1_000_000 + index}`,
      startedAt: Date.now(),
      ackedAt: null,
      attempts: 0,
    };
    this.record.submissions.push(submission);
    const messageSid = `SM${randomBytes(16).toString('hex')}`;
    const params: Record<string, string> = {
      MessageSid: messageSid,
      SmsMessageSid: messageSid,
      SmsSid: messageSid,
      AccountSid: twilioAccountSid,
      From: submission.mobile as string,
      To: business.smsNumber,
      Body: `${location.smsCode} ${submission.score} ${submission.comment}`,
      NumMedia: '0',
      NumSegments: '1',
      SmsStatus: 'received',
      ApiVersion: '2010-04-01',
    };
    // Twilio signs the URL it was given (the public one), whichever process the balancer picks.
    const signature = twilio.getExpectedTwilioSignature(twilioAuthToken, `${publicUrl}/sms/twilio/inbound`, params);
    const body = new URLSearchParams(params).toString();
    while (Date.now() < this.options.giveUpAt()) {
      const web = this.#pickWeb();
      submission.attempts += 1;
      const sent = await exchange(
        `${this.options.webUrls[web]}/sms/twilio/inbound`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'user-agent': 'TwilioProxy/1.1', 'x-twilio-signature': signature },
          body,
        },
        this.options.requestTimeoutMs,
      );
      this.record.note({ what: 'sms', outcome: sent.status, at: Date.now(), ms: sent.ms, web, retryAfter: sent.retryAfter });
      if (sent.status === 200) {
        submission.ackedAt = Date.now();
        return;
      }
      this.#noteUnexpected('sms', sent, web, submission.marker);
      await sleep(backoffMs(sent.retryAfter));
    }
    this.record.fail(`sms ${submission.marker}: never acknowledged (${submission.attempts} sends)`);
  }
}

/** mulberry32: a small seeded generator, so a run's comments can be told again. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Starts `start(i)` for i = 0, 1, … at `perSecond` evenly spaced, for `durationMs`, without
 * waiting for one to finish before the next (a slow answer does not slow the arrivals).
 * Resolves when every one started has finished.
 */
export async function runAtRate(perSecond: number, durationMs: number, start: (index: number) => Promise<void>, stopped: () => boolean): Promise<number> {
  const begin = Date.now();
  const intervalMs = 1000 / perSecond;
  const running: Promise<void>[] = [];
  for (let index = 0; ; index++) {
    const due = begin + index * intervalMs;
    if (due - begin >= durationMs || stopped()) break;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    running.push(start(index));
  }
  await Promise.all(running);
  return running.length;
}

/**
 * `hark sms`: a customer's phone in the terminal, for the development SMS provider. Each line
 * read is texted to a business's number through Hark's loopback-only /sms/dev routes, and
 * what Hark texts back is printed once its status says it reached the phone ("delivered").
 *
 * Only HTTP (the global fetch) and the given streams: it runs against any Hark on this
 * machine, and a test drives it with its own input and output.
 */
import { randomInt } from 'node:crypto';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

/** An expected problem (Hark not running, wrong provider, bad option): its message says what to do. */
export class DevPhoneError extends Error {}

export interface DevPhoneOptions {
  /** Address of the running Hark, e.g. http://localhost:3000. */
  url: string;
  /** The business number to text (E.164); default the first one Hark lists. */
  to?: string;
  /** The phone's own number (E.164); default a made-up NZ mobile. */
  from?: string;
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
  /** Prompt and redraw as a terminal; default: whether `input` is a TTY. */
  interactive?: boolean;
  /** Stops the phone (Ctrl-C); it then returns normally. */
  signal?: AbortSignal;
  /** How long to wait for Hark's texts after each line. */
  replyWaitMs?: number;
  pollMs?: number;
}

interface DevNumber {
  client: string;
  number: string;
  location: string;
  code: string;
}

interface DevMessage {
  id: string;
  body: string;
  status: string;
  createdAt: string;
}

interface Business {
  client: string;
  number: string;
  codes: { code: string; location: string }[];
}

const E164 = /^\+[1-9]\d{6,14}$/;
/** Statuses after which a text will not change: only 'delivered' reached the phone. */
const NOT_DELIVERED = new Set(['undelivered', 'failed', 'blocked']);
/** The most texts /sms/dev/messages answers at once. */
const PAGE = 100;
const REQUEST_TIMEOUT_MS = 10_000;
const STARTUP_WAIT_MS = 60_000;
/** With nothing waiting to be sent, this long without a text means none is coming. */
const QUIET_MS = 500;
const FINAL_WAIT_MS = 1_000;
const IDLE_POLL_MS = 1_000;

/** Hark's address from its configuration: the public URL when it is this machine, else localhost and the port. */
export function defaultDevPhoneUrl(config: { publicUrl: string; port: number }): string {
  try {
    if (isLoopback(new URL(config.publicUrl).hostname)) return config.publicUrl;
  } catch {
    // Not a URL: fall back to the port.
  }
  return `http://localhost:${config.port}`;
}

export function madeUpMobile(): string {
  return `+6421000${randomInt(1000, 10_000)}`;
}

export async function runDevPhone(options: DevPhoneOptions): Promise<void> {
  const phone = new DevPhone(options);
  try {
    await phone.run();
  } catch (error) {
    if (!(error instanceof Stopped)) throw error;
  } finally {
    phone.close();
  }
}

/** Thrown inside once the phone is told to stop; runDevPhone returns normally. */
class Stopped extends Error {}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function compactNumber(value: string): string {
  return value.trim().replace(/[\s\-().]/g, '').replace(/^00/, '+');
}

/** Hark's texts may hold anything staff typed: no terminal control sequences. */
function printable(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, ' ');
}

const NO_ANSWER: Record<string, string> = {
  reply: 'Hark filed it as a reply to the staff who texted this number',
  unrecognised: 'Hark did not recognise it, and already said so to this number within the hour',
  opt_out: 'this number had already opted out',
  duplicate: 'Hark had this text already',
};

class DevPhone {
  readonly options: DevPhoneOptions;
  readonly #base: string;
  readonly #out: NodeJS.WritableStream;
  readonly #interactive: boolean;
  readonly #replyWaitMs: number;
  readonly #pollMs: number;
  readonly #stop = new AbortController();
  readonly #seen = new Set<string>();
  #after: string | undefined;
  #to = '';
  #from = '';
  #rl: readline.Interface | undefined;
  /** The prompt is on screen waiting for a line (so a text arriving must redraw it). */
  #prompting = false;
  /** Checks for texts run one at a time (the idle poll and a line's wait share them). */
  #checking: Promise<unknown> = Promise.resolve();

  constructor(options: DevPhoneOptions) {
    this.options = options;
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new DevPhoneError(`--url must be Hark's address, e.g. http://localhost:3000 (got "${options.url}").`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new DevPhoneError(`--url must be an http:// address, e.g. http://localhost:3000 (got "${options.url}").`);
    this.#base = url.href.replace(/\/+$/, '');
    this.#out = options.output;
    this.#interactive = options.interactive ?? options.input.isTTY === true;
    this.#replyWaitMs = options.replyWaitMs ?? 5_000;
    this.#pollMs = options.pollMs ?? 250;
    // Output piped into something that ended (| head): stop, rather than crash on EPIPE.
    this.#out.on('error', this.#outputFailed);
    if (options.signal?.aborted) this.#stop.abort();
    options.signal?.addEventListener('abort', () => this.#stop.abort(), { once: true });
  }

  async run(): Promise<void> {
    if (this.options.from !== undefined) {
      this.#from = compactNumber(this.options.from);
      if (!E164.test(this.#from)) throw new DevPhoneError(`--from must be a mobile number in international form, e.g. +6421555999 (got "${this.options.from}").`);
    }
    await this.#waitUntilReady();
    const businesses = await this.#businesses();
    const business = this.#choose(businesses);
    this.#to = business.number;
    const madeUp = !this.#from;
    if (madeUp) this.#from = madeUpMobile();
    await this.#skipHistory();
    this.#printHeader(business, businesses, madeUp);
    await this.#converse();
  }

  close(): void {
    this.#stop.abort();
    this.#rl?.close();
    this.#out.off('error', this.#outputFailed);
  }

  readonly #outputFailed = (): void => this.#stop.abort();

  // --- the conversation ---------------------------------------------------------------

  async #converse(): Promise<void> {
    const rl = readline.createInterface({
      input: this.options.input,
      output: this.#interactive ? this.#out : undefined,
      terminal: this.#interactive,
      prompt: 'you> ',
    });
    this.#rl = rl;
    // Ctrl-C at the prompt (a terminal in raw mode sends no signal): stop, as Ctrl-D does.
    rl.on('SIGINT', () => this.#stop.abort());
    const closeOnStop = () => rl.close();
    this.#stop.signal.addEventListener('abort', closeOnStop, { once: true });
    if (this.#interactive) void this.#pollWhileIdle();
    try {
      this.#prompt();
      for await (const line of rl) {
        if (this.#stop.signal.aborted) break;
        this.#prompting = false;
        const text = line.trim();
        if (text) {
          if (!this.#interactive) this.#print(`you> ${printable(text)}`);
          await this.#text(text);
        }
        this.#prompt();
      }
      this.#prompting = false;
      if (this.#stop.signal.aborted) throw new Stopped();
      // End of input: anything still on its way.
      await this.#waitForTexts(FINAL_WAIT_MS, FINAL_WAIT_MS);
    } finally {
      this.#stop.signal.removeEventListener('abort', closeOnStop);
      // Leave the prompt's line, so the shell's prompt starts on a line of its own.
      if (this.#interactive) this.#out.write('\n');
    }
  }

  #prompt(): void {
    if (!this.#interactive || this.#stop.signal.aborted) return;
    this.#prompting = true;
    this.#rl?.prompt();
  }

  /** Texts Hark one line, then shows its answer. */
  async #text(body: string): Promise<void> {
    const response = await this.#request('/sms/dev/inbound', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: this.#from, to: this.#to, body }),
    });
    if (!response.ok) {
      const message = await errorMessage(response);
      if (response.status === 404 && !isJson(response)) throw this.#noDevPhone();
      if (response.status === 404) throw new DevPhoneError(`Hark no longer has a business texting from ${this.#to}: ${message}`);
      if (response.status === 429) this.#print(`  (Hark did not take this text: too many texts from ${this.#from} in a short time. Wait a few minutes, or use another --from.)`);
      else this.#print(`  (Hark did not take this text: ${message} [HTTP ${response.status}])`);
      return;
    }
    const { handledAs } = (await response.json()) as { handledAs?: string };
    const { shown, pending } = await this.#waitForTexts(this.#replyWaitMs, QUIET_MS);
    if (pending > 0) {
      this.#print(`  (${pending} text${pending === 1 ? '' : 's'} from Hark not sent yet: is its job worker running? They show here once sent.)`);
    } else if (shown === 0) {
      this.#print(`  (no text back: ${NO_ANSWER[handledAs ?? ''] ?? `Hark took it as ${handledAs ?? 'something'}, with no answer`})`);
    }
  }

  /**
   * Polls for Hark's texts until none is waiting to be sent and at least one came (or
   * `quietMs` passed with none), or until `maxMs`. Returns how many were shown and how many
   * are still waiting.
   */
  async #waitForTexts(maxMs: number, quietMs: number): Promise<{ shown: number; pending: number }> {
    const started = Date.now();
    let shown = 0;
    for (;;) {
      const check = await this.#check();
      shown += check.shown;
      const elapsed = Date.now() - started;
      if (check.pending === 0 && (shown > 0 || elapsed >= quietMs)) return { shown, pending: 0 };
      if (elapsed >= maxMs) return { shown, pending: check.pending };
      await this.#sleep(this.#pollMs);
    }
  }

  /** At the prompt, texts can still come (an invitation, a staff reply): show them as they do. */
  async #pollWhileIdle(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      try {
        await this.#sleep(IDLE_POLL_MS);
        if (this.#prompting) await this.#check();
      } catch {
        // Stopped, or Hark went away: the next line sent says so.
        if (this.#stop.signal.aborted) return;
      }
    }
  }

  /** Shows the texts delivered since the last check; counts those still on their way. */
  #check(): Promise<{ shown: number; pending: number }> {
    const next = this.#checking.then(() => this.#checkNow());
    this.#checking = next.catch(() => undefined);
    return next;
  }

  async #checkNow(): Promise<{ shown: number; pending: number }> {
    const messages = await this.#messages(this.#after);
    let shown = 0;
    let pending = 0;
    let firstPending: string | undefined;
    for (const message of messages) {
      if (this.#seen.has(message.id)) continue;
      if (message.status === 'delivered') {
        this.#seen.add(message.id);
        this.#print(`hark> ${printable(message.body).replace(/\n/g, '\n      ')}`);
        shown += 1;
      } else if (NOT_DELIVERED.has(message.status)) {
        this.#seen.add(message.id);
        this.#print(`  (a text from Hark was not delivered: ${message.status})`);
      } else {
        pending += 1;
        firstPending ??= message.createdAt;
      }
    }
    this.#advance(firstPending ?? messages.at(-1)?.createdAt);
    return { shown, pending };
  }

  /**
   * Texts this phone had before: those settled are not shown again; those still waiting
   * (an invitation held for quiet hours) show once delivered.
   */
  async #skipHistory(): Promise<void> {
    let firstPending: string | undefined;
    for (;;) {
      const before = this.#after;
      const messages = await this.#messages(before);
      for (const message of messages) {
        if (message.status === 'delivered' || NOT_DELIVERED.has(message.status)) this.#seen.add(message.id);
        else firstPending ??= message.createdAt;
      }
      this.#advance(messages.at(-1)?.createdAt);
      if (messages.length < PAGE || this.#after === before) break;
    }
    if (firstPending) this.#advance(firstPending, true);
  }

  /**
   * Moves the `after` of the next check to just before `createdAt`. Hark compares in
   * microseconds and answers in milliseconds, and texts of one transaction share a time:
   * a millisecond early re-reads a few texts (skipped by id) rather than missing one.
   */
  #advance(createdAt: string | undefined, backwards = false): void {
    if (!createdAt) return;
    const after = new Date(Date.parse(createdAt) - 1).toISOString();
    if (backwards || !this.#after || after > this.#after) this.#after = after;
  }

  // --- start-up -----------------------------------------------------------------------

  async #waitUntilReady(): Promise<void> {
    const until = Date.now() + STARTUP_WAIT_MS;
    let told = false;
    for (;;) {
      const response = await this.#request('/healthz');
      const body = (await response.json().catch(() => null)) as { status?: unknown } | null;
      if (response.ok && body?.status === 'ok') return;
      if (response.status !== 503 || !isJson(response)) {
        throw new DevPhoneError(`Something answers at ${this.#base}, but not as Hark does (GET /healthz: HTTP ${response.status}). Is --url the address of Hark?`);
      }
      if (Date.now() >= until) throw new DevPhoneError(`Hark at ${this.#base} is still not ready after ${STARTUP_WAIT_MS / 1000} s (GET /healthz: 503). Look at its log.`);
      if (!told) this.#print(`Hark at ${this.#base} is still starting; waiting for it…`);
      told = true;
      await this.#sleep(500);
    }
  }

  async #businesses(): Promise<Business[]> {
    const response = await this.#request('/sms/dev/numbers');
    if (response.status === 404 && !isJson(response)) throw this.#noDevPhone();
    if (response.status === 404) {
      throw new DevPhoneError(
        `Hark at ${this.#base} lets only its own machine use the development phone: run hark sms on the machine Hark runs on, with --url http://localhost:<its port>.`,
      );
    }
    if (!response.ok) throw new DevPhoneError(`Hark at ${this.#base} answered HTTP ${response.status} to GET /sms/dev/numbers: ${await errorMessage(response)}`);
    const rows = (await response.json()) as DevNumber[];
    const byNumber = new Map<string, Business>();
    for (const row of rows) {
      const business = byNumber.get(row.number) ?? { client: row.client, number: row.number, codes: [] };
      business.codes.push({ code: row.code, location: row.location });
      byNumber.set(row.number, business);
    }
    if (byNumber.size === 0) {
      throw new DevPhoneError(
        `No business in Hark at ${this.#base} has an SMS number with location codes yet. Give one a number and its locations SMS codes in the portal's ` +
          'SMS settings (or PATCH /api/v1/sms/settings), or start Hark on an empty database with npm start: the demo business has them.',
      );
    }
    return [...byNumber.values()];
  }

  #choose(businesses: Business[]): Business {
    const [first] = businesses as [Business, ...Business[]];
    if (this.options.to === undefined) return first;
    const wanted = compactNumber(this.options.to);
    const found = businesses.find((b) => b.number === wanted);
    if (found) return found;
    const known = businesses.map((b) => `  ${b.number}  ${b.client}`).join('\n');
    throw new DevPhoneError(`No business in Hark at ${this.#base} texts from ${this.options.to}. Its SMS numbers (--to):\n${known}`);
  }

  #printHeader(business: Business, businesses: Business[], madeUp: boolean): void {
    const codes = (b: Business) => b.codes.map((c) => `${c.code} (${c.location})`).join(', ');
    const lines = [
      `Texting ${business.client} at ${business.number} from ${this.#from}${madeUp ? ' (a made-up mobile; choose one with --from)' : ''}, through Hark at ${this.#base}.`,
      `To give feedback, text a location's code: ${codes(business)}`,
      "After it, a staff member's code (the end of their feedback link, /f/<location>/<code>) files the feedback under them.",
    ];
    const others = businesses.filter((b) => b !== business);
    if (others.length > 0) {
      lines.push('Other businesses (choose with --to):');
      for (const other of others) lines.push(`  ${other.number}  ${other.client}: ${codes(other)}`);
    }
    if (this.#interactive) lines.push('Type a text and press Enter. Ctrl-D or Ctrl-C to stop.');
    this.#print(lines.join('\n'));
  }

  // --- HTTP and output ----------------------------------------------------------------

  async #messages(after: string | undefined): Promise<DevMessage[]> {
    const query = new URLSearchParams({ phone: this.#from, to: this.#to, ...(after ? { after } : {}) });
    const response = await this.#request(`/sms/dev/messages?${query}`);
    if (response.status === 404 && !isJson(response)) throw this.#noDevPhone();
    if (response.status === 404) throw new DevPhoneError(`Hark no longer has a business texting from ${this.#to}: ${await errorMessage(response)}`);
    if (!response.ok) throw new DevPhoneError(`Hark at ${this.#base} answered HTTP ${response.status} to GET /sms/dev/messages: ${await errorMessage(response)}`);
    return (await response.json()) as DevMessage[];
  }

  async #request(path: string, init: RequestInit = {}): Promise<Response> {
    if (this.#stop.signal.aborted) throw new Stopped();
    try {
      return await fetch(`${this.#base}${path}`, { ...init, signal: AbortSignal.any([this.#stop.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) });
    } catch (error) {
      if (this.#stop.signal.aborted) throw new Stopped();
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new DevPhoneError(`Hark at ${this.#base} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s. Is --url the address of Hark?`);
      }
      const code = causeCode(error);
      throw new DevPhoneError(`Hark is not answering at ${this.#base}${code ? ` (${code})` : ''}: start it with npm start, or give its address with --url.`);
    }
  }

  #noDevPhone(): DevPhoneError {
    return new DevPhoneError(
      `Hark at ${this.#base} has no development phone: it sends texts through Twilio. hark sms needs Hark started with HARK_SMS_PROVIDER=dev (the default).`,
    );
  }

  async #sleep(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.#stop.signal });
    } catch {
      throw new Stopped();
    }
  }

  /** Writes whole lines; at the prompt, above it, keeping what was typed so far. */
  #print(text: string): void {
    if (!this.#out.writable) return;
    if (this.#interactive && this.#prompting && this.#rl) {
      readline.clearLine(this.#out, 0);
      readline.cursorTo(this.#out, 0);
      this.#out.write(`${text}\n`);
      this.#rl.prompt(true);
    } else {
      this.#out.write(`${text}\n`);
    }
  }
}

function isJson(response: Response): boolean {
  return /\bjson\b/.test(response.headers.get('content-type') ?? '');
}

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown }; message?: unknown };
    const message = body.error?.message ?? body.message;
    if (typeof message === 'string') return message;
  } catch {
    // Not JSON.
  }
  return text.slice(0, 200) || response.statusText;
}

function causeCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; errors?: { code?: unknown }[] } | undefined) : undefined;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  return typeof code === 'string' ? code : undefined;
}

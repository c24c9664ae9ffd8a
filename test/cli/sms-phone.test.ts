/**
 * `hark sms`, the development provider's phone, as a person runs it: the real CLI in a child
 * process with its input piped, against a real Hark (started in this process) on the
 * default dev provider.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../../src/db/tenancy.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { enableSms, startSmsTestHark, type SmsTestClient } from '../helpers/sms.ts';
import { childEnv, freePort, harkBin, root } from './harness.ts';

interface SmsRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcess>();

/** Runs `hark sms …` with `stdin` piped in, to its end. */
async function runSms(args: readonly string[], stdin: string, timeoutMs = 60_000): Promise<SmsRun & { describe: string }> {
  const child = spawn(process.execPath, [harkBin, 'sms', ...args], { cwd: root, env: childEnv({}), stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stdin?.end(stdin);
  const exit = await Promise.race([exited, delay(timeoutMs, null, { ref: false })]);
  running.delete(child);
  const describe = () => `hark sms ${args.join(' ')}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
  if (!exit) {
    child.kill('SIGKILL');
    throw new Error(`hark sms did not finish within ${timeoutMs} ms\n${describe()}`);
  }
  return { ...exit, stdout, stderr, describe: describe() };
}

const noStackTrace = /^\s+at /m;

let hark: TestHark;
let first: TestClient;
let client: TestClient;

beforeAll(async () => {
  hark = await startTestHark();
  // Listed by name: "Aroha" is the number `hark sms` picks when given no --to.
  first = await createTestClient(hark.services, { name: 'Aroha Bakery' });
  client = await createTestClient(hark.services, { name: 'Zest Kitchen' });
}, 60_000);

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await hark?.close();
});

describe('hark sms', () => {
  it('is served to this machine only: a request forwarded by a proxy is refused', async () => {
    expect((await hark.fetch('/sms/dev/numbers')).status).toBe(200);
    expect((await hark.fetch('/sms/dev/numbers', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(404);
    const forged = await hark.fetch('/sms/dev/inbound', {
      method: 'POST',
      headers: { 'content-type': 'application/json', forwarded: 'for=203.0.113.9' },
      body: JSON.stringify({ from: '+64215550111', to: '+6499000111', body: 'hi' }),
    });
    expect(forged.status).toBe(404);
  });

  it('says so when no business has an SMS number yet', async () => {
    const run = await runSms(['--url', hark.url], '');
    expect(run.code, run.describe).toBe(1);
    expect(run.stderr).toMatch(/No business .* has an SMS number/);
    expect(run.stderr).not.toMatch(noStackTrace);
  }, 60_000);

  describe('with businesses that take texts', () => {
    let numbers: SmsTestClient;
    let firstNumbers: SmsTestClient;

    beforeAll(async () => {
      firstNumbers = await enableSms(hark.services, first);
      numbers = await enableSms(hark.services, client);
    });

    it('texts each line piped in and prints what Hark texts back, then exits 0', async () => {
      const run = await runSms(['--url', hark.url, '--to', numbers.number, '--from', '+6421555999'], `${numbers.smsCode} 4\ngreat coffee\n`);
      expect(run.code, run.describe).toBe(0);
      expect(run.stdout).toContain(`Texting Zest Kitchen at ${numbers.number} from +6421555999`);
      expect(run.stdout).toContain(`${numbers.smsCode} (Main Street)`);
      const lines = run.stdout.split('\n');
      const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
      // `<code> 4` gives the location and the score at once: Hark asks the follow-up question.
      const followUp = at(/^hark> What is the main reason for your score\? \(Reply SKIP if nothing to add\.\)$/);
      const thanks = at(/^hark> Cheers for that! The team reads every comment\.$/);
      expect(followUp, run.describe).toBeGreaterThan(at(/^you> .* 4$/));
      expect(at(/^you> great coffee$/), run.describe).toBeGreaterThan(followUp);
      expect(thanks, run.describe).toBeGreaterThan(at(/^you> great coffee$/));
      expect(run.stdout.match(/^hark> /gm), run.describe).toHaveLength(2);
      expect(run.stderr).toBe('');

      const stored = await withClient(hark.services.db, client.clientId, (trx) =>
        trx.selectFrom('feedback').select(['score', 'comment', 'channel', 'location_id']).where('client_id', '=', client.clientId).execute(),
      );
      expect(stored).toEqual([{ score: 4, comment: 'great coffee', channel: 'sms', location_id: client.location.id }]);
    }, 60_000);

    it('without --to and --from: texts the first business from a made-up mobile, and lists the others', async () => {
      const run = await runSms(['--url', hark.url], `${firstNumbers.smsCode}\n5\nskip\n`);
      expect(run.code, run.describe).toBe(0);
      const from = /^Texting Aroha Bakery at (\S+) from (\+6421000\d{4}) \(a made-up mobile/m.exec(run.stdout);
      expect(from?.[1], run.describe).toBe(firstNumbers.number);
      const other = run.stdout.split('\n').find((line) => line.startsWith(`  ${numbers.number}  Zest Kitchen: `));
      expect(other, run.describe).toContain(`${numbers.smsCode} (Main Street)`);
      expect(other).toContain(`${numbers.otherSmsCode} (Harbour)`);
      expect(run.stdout).toMatch(/^hark> Aroha Bakery \(Main Street\): How likely are you to recommend us to a friend\? Reply 1-5/m);
      expect(run.stdout).toMatch(/^hark> What is the main reason for your score\?/m);
      expect(run.stdout).toMatch(/^hark> Cheers for that!/m);
    }, 60_000);

    it('refuses a --to that no business texts from, naming the numbers there are', async () => {
      const run = await runSms(['--url', hark.url, '--to', '+6499000000'], 'hello\n');
      expect(run.code, run.describe).toBe(1);
      expect(run.stderr).toContain('texts from +6499000000');
      expect(run.stderr).toContain(`${numbers.number}  Zest Kitchen`);
      expect(run.stderr).not.toMatch(noStackTrace);
      expect(run.stdout).not.toMatch(/^hark> /m);
    }, 60_000);
  });

  it('says Hark is not answering, and how to start it, when nothing listens at --url', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await runSms(['--url', url], 'hello\n');
    expect(run.code, run.describe).not.toBe(0);
    expect(run.signal).toBeNull();
    expect(run.stderr).toContain(`Hark is not answering at ${url}`);
    expect(run.stderr).toContain('npm start');
    expect(run.stderr).not.toMatch(noStackTrace);
  }, 60_000);

  it('says it needs HARK_SMS_PROVIDER=dev when Hark sends through Twilio', async () => {
    const twilio = await startSmsTestHark();
    try {
      const run = await runSms(['--url', twilio.hark.url], 'hello\n');
      expect(run.code, run.describe).toBe(1);
      expect(run.stderr).toContain('HARK_SMS_PROVIDER=dev');
      expect(run.stderr).not.toMatch(noStackTrace);
    } finally {
      await twilio.close();
    }
  }, 60_000);
});

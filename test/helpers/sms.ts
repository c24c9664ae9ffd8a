/**
 * SMS in tests: a Hark that sends through a local stand-in for Twilio's REST API, a client
 * with its own number and location codes, and a customer's phone that texts Hark through
 * signed webhooks and reads what Hark sent back from the stand-in.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { Services } from '../../src/context.ts';
import { withClient } from '../../src/db/tenancy.ts';
import type { TestClient } from './factories.ts';
import { startTestHark, type TestHark } from './hark.ts';
import { startTestSmsGateway, type GatewayMessage, type TestSmsGateway } from './sms-gateway.ts';
import { inboundSmsParams, postSignedTwilioForm, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, twilioSid } from './twilio-signing.ts';

export interface SmsTestHark {
  hark: TestHark;
  gateway: TestSmsGateway;
  close(): Promise<void>;
}

export async function startSmsTestHark(env: Record<string, string> = {}, logger?: Logger): Promise<SmsTestHark> {
  const gateway = await startTestSmsGateway({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
  const hark = await startTestHark({
    env: {
      HARK_SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
      TWILIO_API_BASE_URL: gateway.url,
      HARK_JOB_POLL_SECONDS: '0.5',
      ...env,
    },
    ...(logger ? { logger } : {}),
  });
  return {
    hark,
    gateway,
    async close() {
      await hark.close();
      await gateway.close();
    },
  };
}

export function randomMobile(): string {
  return `+6421${randomInt(1_000_000, 9_999_999)}`;
}

export interface SmsTestClient {
  number: string;
  smsCode: string;
  otherSmsCode: string;
}

/** Gives a test client a number and SMS codes; quiet hours off unless asked for. */
export async function enableSms(
  services: Services,
  client: TestClient,
  options: { quietHours?: { start: string; end: string }; quarantineDays?: number; conversationMinutes?: number } = {},
): Promise<SmsTestClient> {
  const number = `+6499${randomInt(100_000, 999_999)}`;
  const suffix = randomBytes(2).toString('hex').toUpperCase();
  const smsCode = `MAIN${suffix}`;
  const otherSmsCode = `HARB${suffix}`;
  await withClient(services.db, client.clientId, async (trx) => {
    await trx
      .updateTable('clients')
      .set({
        sms_number: number,
        sms_quiet_start: options.quietHours?.start ?? '00:00',
        sms_quiet_end: options.quietHours?.end ?? '00:00',
        sms_quarantine_days: options.quarantineDays ?? 30,
        sms_conversation_minutes: options.conversationMinutes ?? 60,
      })
      .where('id', '=', client.clientId)
      .execute();
    await trx.updateTable('locations').set({ sms_code: smsCode }).where('client_id', '=', client.clientId).where('id', '=', client.location.id).execute();
    await trx.updateTable('locations').set({ sms_code: otherSmsCode }).where('client_id', '=', client.clientId).where('id', '=', client.otherLocation.id).execute();
  });
  return { number, smsCode, otherSmsCode };
}

/** A customer's phone: texts the client's number through Twilio's signed webhook, reads Hark's texts at the stand-in. */
export class TestPhone {
  #seen = 0;
  constructor(
    readonly sms: SmsTestHark,
    readonly clientNumber: string,
    readonly mobile: string = randomMobile(),
  ) {}

  /** Texts Hark; returns the webhook's answer. */
  async send(body: string, messageSid: string = twilioSid('SM')): Promise<Response> {
    const response = await postSignedTwilioForm({
      url: `${this.sms.hark.url}/sms/twilio/inbound`,
      authToken: TEST_AUTH_TOKEN,
      params: inboundSmsParams({ from: this.mobile, to: this.clientNumber, body, messageSid }),
    });
    if (response.status !== 200) throw new Error(`inbound text answered ${response.status}: ${await response.text()}`);
    return response;
  }

  /** Every text Hark sent this phone so far. */
  received(): GatewayMessage[] {
    return this.sms.gateway.messages.filter((m) => m.to === this.mobile);
  }

  /** Waits for Hark's next `count` texts to this phone and returns their bodies. */
  async nextTexts(count = 1, timeoutMs = 10_000): Promise<string[]> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const mine = this.received();
      if (mine.length >= this.#seen + count) {
        const next = mine.slice(this.#seen, this.#seen + count);
        this.#seen += count;
        return next.map((m) => m.body);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`expected ${count} more text(s) to ${this.mobile}; got ${this.received().length - this.#seen}`);
  }

  /** Texts Hark and waits for its one answer. */
  async ask(body: string): Promise<string> {
    await this.send(body);
    const [reply] = await this.nextTexts(1);
    return reply as string;
  }
}

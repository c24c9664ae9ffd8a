/**
 * Calls Hark's SMS webhooks the way Twilio does: form-encoded POSTs carrying an
 * X-Twilio-Signature computed by the twilio package itself, so a test checks Hark against
 * Twilio's own signing rather than a copy of it.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';

/** Used by the test gateway and by `inboundSmsParams` unless a test picks its own. */
export const TEST_ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const TEST_AUTH_TOKEN = 'test-auth-token-0123456789abcdef';

export interface SignedTwilioFormOptions {
  /** Where the form is posted. */
  url: string;
  /** The URL the signature covers, when it differs from `url` (e.g. Hark's public URL). */
  signedUrl?: string;
  authToken: string;
  params: Record<string, string>;
  /** Sent instead of the correct signature, to test refusals; null sends no signature header. */
  signature?: string | null;
}

export function postSignedTwilioForm(options: SignedTwilioFormOptions): Promise<Response> {
  const signature =
    options.signature === undefined ? twilio.getExpectedTwilioSignature(options.authToken, options.signedUrl ?? options.url, options.params) : options.signature;
  return fetch(options.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'user-agent': 'TwilioProxy/1.1',
      ...(signature === null ? {} : { 'x-twilio-signature': signature }),
    },
    body: new URLSearchParams(options.params).toString(),
  });
}

/** A Twilio resource sid: two letters and 32 hex digits. */
export function twilioSid(prefix: 'SM' | 'AC' | 'MG'): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

export interface InboundSmsInput {
  from: string;
  to: string;
  body: string;
  messageSid?: string;
  accountSid?: string;
  /** More fields Twilio sends when it knows them (FromCountry, FromCity, MessagingServiceSid…). */
  extra?: Record<string, string>;
}

/** The form fields Twilio posts to a number's messaging webhook for an incoming text. */
export function inboundSmsParams(input: InboundSmsInput): Record<string, string> {
  const messageSid = input.messageSid ?? twilioSid('SM');
  return {
    MessageSid: messageSid,
    SmsMessageSid: messageSid,
    SmsSid: messageSid,
    AccountSid: input.accountSid ?? TEST_ACCOUNT_SID,
    From: input.from,
    To: input.to,
    Body: input.body,
    NumMedia: '0',
    NumSegments: '1',
    SmsStatus: 'received',
    ApiVersion: '2010-04-01',
    ...input.extra,
  };
}

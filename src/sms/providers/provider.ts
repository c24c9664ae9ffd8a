/** What every SMS provider adapter does: send one text, and say whether a failure may be retried. */

export interface OutboundSms {
  /** E.164 number of the customer. */
  to: string;
  /** E.164 number (or sender id) of the client. */
  from: string;
  body: string;
  /** Hark's id of the message (sms_messages.id): the provider is asked to treat a repeat as one message where it can. */
  messageId: string;
  /** Where the provider reports delivery; null when there is no public URL to call. */
  statusCallbackUrl: string | null;
}

export type SendOutcome =
  | { ok: true; providerMessageId: string; status: string }
  | {
      ok: false;
      /** True for failures that may pass (rate limits, server errors, timeouts, network); false when a resend would fail the same way. */
      retryable: boolean;
      /** The provider's error code, when it gave one. */
      code: string | null;
      /** A short reason, never holding the message body or the number. */
      message: string;
    };

export interface SmsProvider {
  readonly name: 'dev' | 'twilio';
  send(message: OutboundSms): Promise<SendOutcome>;
}

import type { Config } from '../../config.ts';
import { createDevProvider } from './dev.ts';
import type { SmsProvider } from './provider.ts';
import { createTwilioProvider } from './twilio.ts';

export type { OutboundSms, SendOutcome, SmsProvider } from './provider.ts';

export function createSmsProvider(config: Config): SmsProvider {
  if (config.sms.provider === 'twilio' && config.sms.twilio) return createTwilioProvider(config.sms.twilio);
  return createDevProvider();
}

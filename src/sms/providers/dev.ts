/**
 * The development provider: texts go nowhere. A message counts as delivered once "sent",
 * and stays readable in Hark's own message table, where `hark sms` (through the
 * loopback-only /sms/dev routes) shows it as the customer's phone would.
 */
import type { SmsProvider } from './provider.ts';

export function createDevProvider(): SmsProvider {
  return {
    name: 'dev',
    async send(message) {
      return { ok: true, providerMessageId: `dev-${message.messageId}`, status: 'delivered' };
    },
  };
}

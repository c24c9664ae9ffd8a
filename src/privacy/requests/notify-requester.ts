/**
 * Messages to the requester, at the address they proved: email when they gave one, else a
 * text from the installation's own number.
 */
import type { Services } from '../../context.ts';
import type { LoadedRequest } from './queries.ts';

export interface RequesterMessage {
  subject: string;
  text: string;
  /** Stable per message, so a retried send is one message. */
  key: string;
}

export async function notifyRequester(services: Services, request: LoadedRequest, message: RequesterMessage): Promise<'email' | 'mobile'> {
  const email = request.identifiers.find((i) => i.kind === 'email' && i.verified);
  if (email) {
    await services.mailer.send({ to: email.value, subject: message.subject, text: `Hello ${request.name},\n\n${message.text}`, messageKey: message.key });
    return 'email';
  }
  const mobile = request.identifiers.find((i) => i.kind === 'mobile' && i.verified);
  const from = services.config.privacy.smsFrom;
  if (!mobile || !from) throw new Error('the request has no verified address to write to');
  const outcome = await services.sms.send({ to: mobile.value, from, body: `${message.subject}. ${message.text}`.slice(0, 1500), messageId: message.key, statusCallbackUrl: null });
  if (!outcome.ok) throw new Error(`text not sent: ${outcome.message}`);
  return 'mobile';
}

/**
 * SMS: feedback by text message. Inbound texts become conversations and feedback
 * (inbound.ts, conversation.ts), invitations are sent under the client's contact rules
 * (invitations.ts), every text is logged encrypted and sent by a job through a provider
 * adapter (messages.ts, jobs/, providers/), and staff may reply by text (staff-replies.ts).
 */
import { CLOSE_CONVERSATION_QUEUE } from './conversations.ts';
import { SEND_SMS_RETRIES } from './jobs/send-sms.ts';
import { SEND_SMS_QUEUE } from './messages.ts';

export { smsRoutes } from './routes.ts';
export { receiveSms, type InboundSms, type InboundResult } from './inbound.ts';
export { sendSmsJob } from './jobs/send-sms.ts';
export { closeConversationJob } from './jobs/close-conversation.ts';
export { findReplyRecipient, queueStaffReply, queueStaffText } from './staff-replies.ts';
export { describeRefusal, sendInvitation, type InvitationRefusal, type InvitationResult } from './invitations.ts';
export { createSmsProvider, type SmsProvider } from './providers/index.ts';

export const smsQueues = [
  // A customer whose text's worker died waits a minute or so for the answer, not pg-boss's 15
  // minutes. A batch still sending after a minute (a provider timing out) is retried; the
  // texts it had sent are not sent again (see send-sms.ts).
  { name: SEND_SMS_QUEUE, policy: 'standard' as const, ...SEND_SMS_RETRIES, expireInSeconds: 60 },
  { name: CLOSE_CONVERSATION_QUEUE, policy: 'standard' as const, retryLimit: 5, retryDelaySeconds: 5 },
];

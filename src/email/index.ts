/**
 * Email: sending through SMTP, or into a local mailbox when no mail server is configured.
 * Domains compose their own messages (invitations, resets, replies) and send them from
 * their jobs through `services.mailer`.
 */
export { createMailer, type Mailer, type OutgoingMail } from './mailer.ts';
export { startLocalMailbox, type LocalMailbox } from './local-mailbox.ts';

/**
 * Outgoing mail through SMTP (nodemailer). Without SMTP_URL, mail goes to a local SMTP
 * server started in this process that keeps each message as a file in the data folder, so
 * a trial installation can read its invitations and reset links without a mail provider.
 */
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';
import { countEmailSent } from '../counters.ts';
import { startLocalMailbox, type LocalMailbox } from './local-mailbox.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** A stable id per message (e.g. `response-<uuid>`): a retried send carries the same Message-ID. */
  messageKey: string;
  replyTo?: string;
  /** Files sent with the message (e.g. a report PDF), held in memory. */
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  /** Where mail goes, for start-up messages: the SMTP host, or the local mailbox folder. */
  readonly destination: string;
  close(): Promise<void>;
}

export async function createMailer(config: Config, mailboxDir: string): Promise<Mailer> {
  let mailbox: LocalMailbox | null = null;
  let smtpUrl = config.mail.smtpUrl;
  if (!smtpUrl) {
    mailbox = await startLocalMailbox(mailboxDir);
    smtpUrl = mailbox.url;
  }
  // nodemailer's own defaults let one stalled server hold a send for ten minutes; a send
  // that cannot finish in a minute is failed and retried instead.
  const transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 });
  const fromDomain = /@([^>\s]+)/.exec(config.mail.from)?.[1] ?? 'hark.local';
  return {
    destination: mailbox ? `the local mailbox ${mailboxDir}` : new URL(smtpUrl).host,
    async send(mail) {
      try {
        await transport.sendMail({
          from: config.mail.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          replyTo: mail.replyTo,
          messageId: `<${mail.messageKey}@${fromDomain}>`,
          attachments: mail.attachments,
        });
        countEmailSent('sent');
      } catch (error) {
        countEmailSent('failed');
        throw error;
      }
    },
    async close() {
      transport.close();
      await mailbox?.close();
    },
  };
}

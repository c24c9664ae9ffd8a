/**
 * What happens when a customer texts a client's number. In one transaction of that client:
 * the text is recorded once (by the provider's message id), the number's row is locked, and
 * then, in this order: STOP / START / HELP; a location's SMS code or a receipt code, which
 * starts a new conversation; an answer in the open conversation; a reply to staff about an
 * earlier feedback; or else a short "not recognised". Every answer is queued as a text.
 */
import { findTextFollowUp, recordFollowUpAnswer } from '../cases/follow-up.ts';
import type { Services } from '../context.ts';
import type { SmsProviderName } from '../db/schema.ts';
import { withClient, type Trx } from '../db/tenancy.ts';
import { normaliseMobile } from '../end-customers/index.ts';
import type { ClientKeyring } from '../keys/index.ts';
import { findFeedbackTargetOfLocation, type FeedbackTarget } from '../programmes/index.ts';
import { advance } from './conversation.ts';
import { closeConversation, findOpenConversation, saveConversation, startConversation, wordingOf, type StoredConversation } from './conversations.ts';
import { classifyInboundText, queueText, recordInboundText, type OutboundText } from './messages.ts';
import { lockRecipient, optIn, optOut, type LockedRecipient } from './recipients.ts';
import { classifyKeyword, normaliseInbound, parseScore, parseYesNo, splitCodeMessage, splitSubMeasureCode } from './reply-parsing.ts';
import { findSmsClientByNumber, type SmsClient } from './sms-clients.ts';
import * as say from './wording.ts';

export interface InboundSms {
  provider: SmsProviderName;
  providerMessageId: string;
  from: string;
  to: string;
  body: string;
}

export type InboundResult =
  | { ok: true; duplicate: boolean; handledAs: 'opt_out' | 'opt_in' | 'help' | 'conversation' | 'follow_up' | 'reply' | 'unrecognised' | 'duplicate' }
  | { ok: false; reason: 'unknown_number' | 'bad_sender' };

/** After staff texted a customer, the customer's answers join that feedback's thread for this long. */
const STAFF_REPLY_WINDOW_DAYS = 14;
/** "Not recognised" goes to a number at most this often, so two robots cannot text each other forever. */
const UNRECOGNISED_REPLY_GAP_MINUTES = 60;

export async function receiveSms(services: Services, inbound: InboundSms): Promise<InboundResult> {
  const client = await findSmsClientByNumber(services.db, inbound.to);
  if (!client) return { ok: false, reason: 'unknown_number' };
  const mobile = senderNumber(inbound.from, client.country);
  if (!mobile) return { ok: false, reason: 'bad_sender' };
  const body = normaliseInbound(inbound.body);

  return withClient(services.db, client.id, async (trx) => {
    const keyring = await services.keyrings.keyringFor(trx, client.id);
    const recipient = await lockRecipient(trx, keyring, mobile);
    const messageId = await recordInboundText(trx, keyring, recipient, { ...inbound, body });
    if (!messageId) return { ok: true, duplicate: true, handledAs: 'duplicate' } as const;
    const handler = new InboundHandler(services, trx, keyring, client, recipient, messageId);
    const handledAs = await handler.handle(body);
    return { ok: true, duplicate: false, handledAs } as const;
  });
}

/** E.164 as given by the provider, or the client's country's reading of a local number. */
function senderNumber(from: string, country: string): string | null {
  const trimmed = from.trim();
  if (/^\+[1-9]\d{6,14}$/.test(trimmed)) return trimmed;
  return normaliseMobile(trimmed, country);
}

class InboundHandler {
  constructor(
    private readonly services: Services,
    private readonly trx: Trx,
    private readonly keyring: ClientKeyring,
    private readonly client: SmsClient,
    private readonly recipient: LockedRecipient,
    private readonly messageId: string,
  ) {}

  async handle(body: string): Promise<Exclude<Extract<InboundResult, { ok: true }>['handledAs'], 'duplicate'>> {
    const keyword = classifyKeyword(body);
    if (keyword === 'stop') return this.stop();
    if (keyword === 'start') return this.start();
    if (keyword === 'help') return this.help();

    let open = await findOpenConversation(this.trx, this.keyring, this.recipient.mobileIndex);
    if (open && open.expiresAt.getTime() <= Date.now()) {
      await closeConversation(this.services, this.trx, this.keyring, open, this.recipient.mobile, 'expired');
      open = null;
    }
    // A score is an answer, even when it looks like a code ("10" could be both).
    const answersScore = open?.state.step === 'score' && open.target && parseScore(body, open.target.programme.scale).kind === 'score';
    if (!answersScore) {
      const started = await this.startFromCode(body, open);
      if (started) return started;
    }
    if (open?.target) return this.continueConversation(open, body);
    if (await this.answerFollowUp(body)) return 'follow_up';
    if (await this.fileAsReplyToStaff(body)) return 'reply';
    return this.unrecognised();
  }

  private async stop() {
    await classifyInboundText(this.trx, this.client.id, this.messageId, { kind: 'opt_out' });
    const open = await findOpenConversation(this.trx, this.keyring, this.recipient.mobileIndex);
    if (open) await closeConversation(this.services, this.trx, this.keyring, open, this.recipient.mobile, 'completed');
    if (await optOut(this.trx, this.keyring, this.recipient)) {
      await this.send({ kind: 'opt_out', body: say.optedOut(this.client.name) });
    }
    return 'opt_out' as const;
  }

  private async start() {
    await classifyInboundText(this.trx, this.client.id, this.messageId, { kind: 'opt_in' });
    await optIn(this.trx, this.keyring, this.recipient);
    await this.send({ kind: 'opt_in', body: say.optedIn(this.client.name) });
    return 'opt_in' as const;
  }

  private async help() {
    await classifyInboundText(this.trx, this.client.id, this.messageId, { kind: 'help' });
    await this.send({ kind: 'help', body: say.help(this.client.name, this.client.privacyPolicyUrl) });
    return 'help' as const;
  }

  /**
   * A location's SMS code or an unused receipt code at the start of the text begins a new
   * conversation. A staff member's code may follow ("HARBOUR ANNA"): the feedback is then theirs.
   */
  private async startFromCode(body: string, open: StoredConversation | null) {
    const code = splitCodeMessage(body);
    if (!code) return null;
    const found = await this.findCode(code.code);
    if (!found) return null;
    if (found.kind === 'receipt_used') {
      await classifyInboundText(this.trx, this.client.id, this.messageId, { kind: 'conversation', locationId: found.locationId });
      await this.send({ kind: 'conversation', body: say.receiptCodeUsed(this.client.name), locationId: found.locationId });
      return 'conversation' as const;
    }
    const { target, rest } = (await this.withStaffMember(found.target, code.rest)) ?? { target: found.target, rest: code.rest };
    if (open) await closeConversation(this.services, this.trx, this.keyring, open, this.recipient.mobile, 'replaced');
    const conversation = await startConversation(this.services, this.trx, this.keyring, {
      mobileIndex: this.recipient.mobileIndex,
      target,
      origin: found.kind,
      receiptCode: found.kind === 'receipt_code' ? code.code : null,
      expiresAt: this.expiry(),
    });
    if (rest === '') {
      await classifyInboundText(this.trx, this.client.id, this.messageId, { kind: 'conversation', locationId: target.location.id, conversationId: conversation.id });
      await this.send({ kind: 'conversation', body: say.opening(wordingOf(target)), locationId: target.location.id, conversationId: conversation.id });
      return 'conversation' as const;
    }
    return this.continueConversation(conversation, rest);
  }

  /** The target of the location's staff member whose code starts `rest`, and what follows it; null when `rest` starts with none. */
  private async withStaffMember(location: FeedbackTarget, rest: string): Promise<{ target: FeedbackTarget; rest: string } | null> {
    const staff = splitSubMeasureCode(rest, location.programme.scale);
    if (!staff) return null;
    const target = await findFeedbackTargetOfLocation(this.trx, this.client.id, location.location.id, { code: staff.code });
    return target?.subMeasure ? { target, rest: staff.rest } : null;
  }

  private async continueConversation(conversation: StoredConversation, text: string) {
    const target = conversation.target as FeedbackTarget;
    const step = advance(conversation.state, text, wordingOf(target));
    const saved = await saveConversation(this.services, this.trx, this.keyring, conversation, step.state, this.recipient.mobile, this.expiry());
    await classifyInboundText(this.trx, this.client.id, this.messageId, {
      kind: 'conversation',
      locationId: target.location.id,
      conversationId: conversation.id,
      feedbackId: saved.feedbackId,
      holdsContact: step.heldContact,
    });
    for (const body of step.replies) {
      await this.send({ kind: 'conversation', body, locationId: target.location.id, conversationId: conversation.id, feedbackId: saved.feedbackId });
    }
    return 'conversation' as const;
  }

  private async findCode(code: string): Promise<
    | { kind: 'sms_code' | 'receipt_code'; target: FeedbackTarget }
    | { kind: 'receipt_used'; locationId: string }
    | null
  > {
    const location = await this.trx
      .selectFrom('locations')
      .select('id')
      .where('client_id', '=', this.client.id)
      .where('sms_code', '=', code)
      .executeTakeFirst();
    if (location) {
      const target = await findFeedbackTargetOfLocation(this.trx, this.client.id, location.id);
      return target ? { kind: 'sms_code', target } : null;
    }
    const receipt = await this.trx
      .updateTable('receipt_codes')
      .set({ used_at: new Date() })
      .where('client_id', '=', this.client.id)
      .where('code', '=', code)
      .where('used_at', 'is', null)
      .returning('location_id')
      .executeTakeFirst();
    if (receipt) {
      const target = await findFeedbackTargetOfLocation(this.trx, this.client.id, receipt.location_id);
      return target ? { kind: 'receipt_code', target } : null;
    }
    const used = await this.trx.selectFrom('receipt_codes').select('location_id').where('client_id', '=', this.client.id).where('code', '=', code).executeTakeFirst();
    return used ? { kind: 'receipt_used', locationId: used.location_id } : null;
  }

  /** YES or NO after "did we fix it?" answers the case's follow-up. */
  private async answerFollowUp(body: string): Promise<boolean> {
    const answer = parseYesNo(body);
    if (!answer) return false;
    const caseId = await findTextFollowUp(this.trx, this.client.id, this.recipient.mobileIndex);
    if (!caseId || !(await recordFollowUpAnswer(this.trx, this.client.id, caseId, answer))) return false;
    const found = await this.trx.selectFrom('cases').select(['feedback_id', 'location_id']).where('client_id', '=', this.client.id).where('id', '=', caseId).executeTakeFirstOrThrow();
    await classifyInboundText(this.trx, this.client.id, this.messageId, { kind: 'follow_up', locationId: found.location_id, feedbackId: found.feedback_id });
    await this.send({ kind: 'follow_up', body: say.followUpThanks(this.client.name, answer), locationId: found.location_id, feedbackId: found.feedback_id });
    return true;
  }

  /** A text after staff texted this number about a feedback joins that feedback's thread. */
  private async fileAsReplyToStaff(body: string): Promise<boolean> {
    const since = new Date(Date.now() - STAFF_REPLY_WINDOW_DAYS * 86_400_000);
    const last = await this.trx
      .selectFrom('sms_messages')
      .select(['feedback_id', 'location_id'])
      .where('client_id', '=', this.client.id)
      .where('mobile_index', '=', this.recipient.mobileIndex)
      .where('direction', '=', 'outbound')
      .where('kind', '=', 'reply')
      .where('feedback_id', 'is not', null)
      .where('created_at', '>', since)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!last?.feedback_id || !last.location_id) return false;
    await classifyInboundText(this.trx, this.client.id, this.messageId, { kind: 'reply', locationId: last.location_id, feedbackId: last.feedback_id });
    await this.trx
      .insertInto('responses')
      .values({
        client_id: this.client.id,
        feedback_id: last.feedback_id,
        location_id: last.location_id,
        kind: 'sms',
        direction: 'inbound',
        body: body.slice(0, 5000) || '(empty text)',
        status: 'recorded',
      })
      .execute();
    await this.trx.updateTable('feedback').set({ updated_at: new Date() }).where('client_id', '=', this.client.id).where('id', '=', last.feedback_id).execute();
    return true;
  }

  private async unrecognised() {
    const since = new Date(Date.now() - UNRECOGNISED_REPLY_GAP_MINUTES * 60_000);
    const recent = await this.trx
      .selectFrom('sms_messages')
      .select('id')
      .where('client_id', '=', this.client.id)
      .where('mobile_index', '=', this.recipient.mobileIndex)
      .where('direction', '=', 'outbound')
      .where('created_at', '>', since)
      .where((eb) => eb.or([eb('kind', '=', 'unrecognised'), eb('kind', '=', 'conversation')]))
      .limit(1)
      .executeTakeFirst();
    // Just after a conversation ("thanks!") or a recent "not recognised", stay quiet.
    if (!recent) await this.send({ kind: 'unrecognised', body: say.unrecognised(this.client.name) });
    return 'unrecognised' as const;
  }

  private expiry(): Date {
    return new Date(Date.now() + this.client.conversationMinutes * 60_000);
  }

  private send(text: OutboundText): Promise<string> {
    return queueText({ trx: this.trx, jobs: this.services.jobs, keyring: this.keyring, provider: this.services.sms.name }, this.recipient, text);
  }
}

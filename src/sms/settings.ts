/** A client's SMS settings: its number and contact rules, changed by admins with an audit entry. */
import { appendAudit } from '../audit/index.ts';
import { withAccess, type Access } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import { loadSmsClient } from './sms-clients.ts';

export interface SmsSettings {
  provider: 'dev' | 'twilio';
  number: string | null;
  quarantineDays: number;
  quietHours: { start: string; end: string };
  conversationMinutes: number;
}

export type SmsSettingsChange = Partial<Omit<SmsSettings, 'provider'>>;

export async function readSmsSettings(services: Services, access: Access): Promise<SmsSettings> {
  const client = await withAccess(services.db, access, (trx) => loadSmsClient(trx, access.clientId));
  return {
    provider: services.sms.name,
    number: client.number,
    quarantineDays: client.quarantineDays,
    quietHours: client.quietHours,
    conversationMinutes: client.conversationMinutes,
  };
}

/** Saves the change; 'number_taken' when another business already texts from that number. */
export async function updateSmsSettings(services: Services, access: Access, change: SmsSettingsChange): Promise<SmsSettings | 'number_taken'> {
  if (change.number) {
    const holder = await services.db.selectFrom('clients').select('id').where('sms_number', '=', change.number).executeTakeFirst();
    if (holder && holder.id !== access.clientId) return 'number_taken';
  }
  const saving = withAccess(services.db, access, async (trx) => {
    await trx
      .updateTable('clients')
      .set({
        ...(change.number !== undefined ? { sms_number: change.number } : {}),
        ...(change.quarantineDays !== undefined ? { sms_quarantine_days: change.quarantineDays } : {}),
        ...(change.quietHours !== undefined ? { sms_quiet_start: change.quietHours.start, sms_quiet_end: change.quietHours.end } : {}),
        ...(change.conversationMinutes !== undefined ? { sms_conversation_minutes: change.conversationMinutes } : {}),
      })
      .where('id', '=', access.clientId)
      .execute();
    await appendAudit(trx, {
      clientId: access.clientId,
      actorKind: 'user',
      actorId: access.userId,
      action: 'sms.settings_changed',
      subjectKind: 'client',
      subjectId: access.clientId,
      details: { fields: Object.keys(change).sort().join(',') },
    });
  });
  try {
    await saving;
  } catch (error) {
    // Another business took the number between the check and the save.
    if ((error as { code?: string }).code === '23505') return 'number_taken';
    throw error;
  }
  return readSmsSettings(services, access);
}

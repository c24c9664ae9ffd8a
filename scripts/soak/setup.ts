/**
 * The soak run's business, made through Hark's own service functions on the freshly
 * migrated database: one client with one programme (1–5 scale, no prize draw), two stores
 * under a region, each with a web feedback page and an SMS code, the client's SMS number,
 * an owner (who receives the default "unhappy customer" alert by email) and an API key
 * with read scope for the dashboard.
 */
import { randomBytes } from 'node:crypto';
import { addMembership, createUser, type Access } from '../../src/accounts/index.ts';
import { createApiKey } from '../../src/api-keys/service.ts';
import { createClient } from '../../src/clients/index.ts';
import { loadConfig } from '../../src/config.ts';
import { asClientId, type ClientId } from '../../src/db/tenancy.ts';
import { createLocation, createProgramme } from '../../src/programmes/index.ts';
import { updateSmsSettings } from '../../src/sms/settings.ts';
import { openServices } from '../../src/start.ts';
import type { Env } from './hark-processes.ts';

export interface SoakLocation {
  id: string;
  name: string;
  /** The feedback page is /f/<code>. */
  code: string;
  smsCode: string;
}

export interface SoakBusiness {
  clientId: ClientId;
  timezone: string;
  smsNumber: string;
  locations: SoakLocation[];
  ownerEmail: string;
  /** A key with the feedback:read scope (Authorization: Bearer …). */
  apiKey: string;
}

export async function createSoakBusiness(env: Env): Promise<SoakBusiness> {
  const config = loadConfig(env);
  const { services, database } = await openServices(config, { supervise: false });
  try {
    const timezone = 'Pacific/Auckland';
    const client = await createClient(services.db, services.keyrings, { name: 'Soak Café', timezone, privacyPolicyUrl: 'https://example.com/privacy' });
    const clientId = asClientId(client.id);
    const programme = await createProgramme(services.db, clientId, {
      name: 'Feedback',
      scale: 'recommend_5',
      leadQuestion: 'How likely are you to recommend us to a friend?',
      followUpQuestion: 'What is the main reason for your score?',
      thankYouTitle: 'Thank you for your feedback',
    });
    const region = await createLocation(services.db, clientId, { programmeId: programme.id, name: 'Central', code: 'soak-central' });
    const locations: SoakLocation[] = [];
    for (const [name, code, smsCode] of [
      ['Queen Street', 'soak-queen', 'QUEEN'],
      ['Harbour', 'soak-harbour', 'HARBOUR'],
    ] as const) {
      const location = await createLocation(services.db, clientId, { programmeId: programme.id, name, code, smsCode, parentId: region.id });
      locations.push({ id: location.id, name, code, smsCode });
    }

    const ownerEmail = 'owner@soak.hark.test';
    const ownerId = await createUser(services.db, { email: ownerEmail, name: 'Soak Owner', password: randomBytes(24).toString('base64url') });
    await addMembership(services.db, { clientId, userId: ownerId, role: 'owner', locationScope: null });
    const owner: Access = { clientId, userId: ownerId, role: 'owner', locationIds: null };

    const smsNumber = '+6499000100';
    const sms = await updateSmsSettings(services, owner, { number: smsNumber, quietHours: { start: '00:00', end: '00:00' } });
    if (sms === 'number_taken') throw new Error(`the SMS number ${smsNumber} is taken`);
    const key = await createApiKey(services, owner, { name: 'Soak dashboard', scopes: ['feedback:read'], locationIds: null });
    if (!key.ok) throw new Error(`could not make the API key: ${key.reason}`);

    return { clientId, timezone, smsNumber, locations, ownerEmail, apiKey: key.value.key };
  } finally {
    await services.jobs.stop();
    await services.mailer.close();
    await database.close();
  }
}

/**
 * Test factories: each test makes its own client with its own programme, locations and
 * staff, with unique codes, so tests never share or truncate data.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from '../../src/clients/index.ts';
import type { Services } from '../../src/context.ts';
import type { Scale } from '../../src/db/schema.ts';
import { asClientId, type ClientId } from '../../src/db/tenancy.ts';
import { createLocation, createProgramme, createReceiptCodes, createSubMeasure, type NewProgramme } from '../../src/programmes/index.ts';

export function uniqueCode(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface TestClient {
  clientId: ClientId;
  programmeId: string;
  location: { id: string; code: string };
  otherLocation: { id: string; code: string };
  subMeasure: { id: string; code: string; name: string };
  receiptCodes: string[];
  otherLocationReceiptCodes: string[];
}

export async function createTestClient(
  services: Services,
  options: { scale?: Scale; prizeDraw?: boolean; programme?: Partial<NewProgramme>; name?: string; timezone?: string } = {},
): Promise<TestClient> {
  const client = await createClient(services.db, services.keyrings, {
    name: options.name ?? `Test Café ${randomBytes(2).toString('hex')}`,
    timezone: options.timezone ?? 'Pacific/Auckland',
    privacyPolicyUrl: 'https://example.com/privacy',
  });
  const clientId = asClientId(client.id);
  const programme = await createProgramme(services.db, clientId, {
    name: 'Feedback',
    scale: options.scale ?? 'recommend_5',
    leadQuestion: 'How likely are you to recommend us to a friend?',
    followUpQuestion: 'What is the main reason for your score?',
    thankYouTitle: 'Cheers for that',
    thankYouText: 'The team reads every comment.',
    prizeDraw: options.prizeDraw ? { description: 'Win a $50 voucher', termsUrl: 'https://example.com/terms' } : null,
    ...options.programme,
  });
  const region = await createLocation(services.db, clientId, { programmeId: programme.id, name: 'North region', code: uniqueCode('region') });
  const location = await createLocation(services.db, clientId, {
    programmeId: programme.id,
    name: 'Main Street',
    code: uniqueCode('main'),
    parentId: region.id,
  });
  const other = await createLocation(services.db, clientId, { programmeId: programme.id, name: 'Harbour', code: uniqueCode('harbour'), parentId: region.id });
  const sub = await createSubMeasure(services.db, clientId, { locationId: location.id, name: 'Kiri', code: 'kiri' });
  const receiptCodes = Array.from({ length: 5 }, () => randomBytes(4).toString('hex').toUpperCase());
  const otherCodes = Array.from({ length: 2 }, () => randomBytes(4).toString('hex').toUpperCase());
  await createReceiptCodes(services.db, clientId, location.id, receiptCodes);
  await createReceiptCodes(services.db, clientId, other.id, otherCodes);
  return {
    clientId,
    programmeId: programme.id,
    location: { id: location.id, code: location.code },
    otherLocation: { id: other.id, code: other.code },
    subMeasure: { id: sub.id, code: sub.code, name: sub.name },
    receiptCodes,
    otherLocationReceiptCodes: otherCodes,
  };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';

describe('smoke', () => {
  let hark: TestHark;
  let client: TestClient;
  beforeAll(async () => {
    hark = await startTestHark();
    client = await createTestClient(hark.services);
  });
  afterAll(() => hark?.close());

  it('answers /healthz and takes feedback', async () => {
    expect((await hark.fetch('/healthz')).status).toBe(200);
    const result = await giveFeedback(hark, `/f/${client.location.code}`, { score: '4', comment: 'nice' });
    expect(result.status).toBe(200);
    expect(result.html).toContain('Cheers for that');
  });
});

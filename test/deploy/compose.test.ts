/**
 * The deployment files, checked without a Docker engine (none runs here): every variable
 * docker-compose.yml gives Hark is one src/config.ts reads, the roles it starts exist, and
 * the Dockerfile copies what the image runs.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { knownVariables } from '../../src/config.ts';

const root = path.resolve(import.meta.dirname, '../..');

interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
}

async function compose(): Promise<{ services: Record<string, ComposeService> }> {
  return parse(await readFile(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
}

describe('docker-compose.yml', () => {
  it('sets Hark only variables that src/config.ts knows', async () => {
    const { services } = await compose();
    const known = new Set([...knownVariables(), 'NODE_ENV']);
    const hark = Object.entries(services).filter(([, service]) => service.build === '.');
    expect(hark.map(([name]) => name).sort()).toEqual(['web', 'worker']);
    for (const [name, service] of hark) {
      const names = Object.keys(service.environment ?? {});
      expect(names.length, name).toBeGreaterThan(5);
      expect(names.filter((variable) => !known.has(variable)), `${name} sets variables Hark does not read`).toEqual([]);
      expect(names, name).toEqual(expect.arrayContaining(['DATABASE_URL', 'HARK_MASTER_KEY', 'HARK_PUBLIC_URL']));
    }
  });

  it('starts a web and a worker role, on PostgreSQL 15', async () => {
    const { services } = await compose();
    expect(services.web?.command).toEqual(['serve', '--role', 'web']);
    expect(services.worker?.command).toEqual(['serve', '--role', 'worker']);
    expect(services.postgres?.image).toMatch(/^postgres:15/);
    expect(services.web?.environment?.DATABASE_URL).toMatch(/@postgres:5432\/hark$/);
  });

  it("checks the worker's health on the port it serves /readyz on (HARK_METRICS_PORT)", async () => {
    const { services } = await compose();
    const port = services.worker?.environment?.HARK_METRICS_PORT;
    expect(port).toMatch(/^\d+$/);
    expect(services.web?.environment?.HARK_METRICS_PORT, 'a web process serves /metrics on PORT').toBeUndefined();
    expect(services.worker?.healthcheck?.test?.join(' ')).toContain(`http://127.0.0.1:${port}/readyz`);
  });
});

describe('Dockerfile', () => {
  it('runs bin/hark.js on Node.js 20 and copies what exists', async () => {
    const text = await readFile(path.join(root, 'Dockerfile'), 'utf8');
    expect(text).toMatch(/^FROM node:20-/m);
    expect(text).toContain('ENTRYPOINT ["node", "bin/hark.js"]');
    const copied = [...text.matchAll(/^COPY --from=build \/hark\/(\S+)/gm)].map((m) => m[1] as string);
    expect(copied).toEqual(expect.arrayContaining(['node_modules', 'bin', 'src', 'web/dist']));
    for (const entry of copied.filter((c) => c !== 'node_modules' && c !== 'web/dist')) await stat(path.join(root, entry));
    expect(text).toContain('scripts/build-portal.mjs');
    await stat(path.join(root, 'scripts/build-portal.mjs'));
  });
});

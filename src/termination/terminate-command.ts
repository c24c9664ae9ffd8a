/**
 * `hark client terminate <client>`: the CLI face of terminateClient. The client is named by
 * id or by its exact name; the operator types the name again at the prompt (or passes
 * --confirm-name, for scripts). Prints the certificate's summary, or writes it with --out.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { createInterface } from 'node:readline/promises';
import type { Config } from '../config.ts';
import { findClientByIdOrName } from '../exports/index.ts';
import { openServices } from '../start.ts';
import { findDeletionCertificate, installationSigningKey, terminateClient } from './terminate-client.ts';

export interface TerminateCommandOptions {
  confirmName?: string;
  skipExportCheck?: boolean;
  out?: string;
}

async function ask(question: string): Promise<string> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await prompt.question(question);
  } finally {
    prompt.close();
  }
}

/** Returns the exit code. */
export async function runTerminateCommand(config: Config, clientRef: string, options: TerminateCommandOptions): Promise<number> {
  const { services, database } = await openServices(config, { supervise: false });
  try {
    const found = await findClientByIdOrName(services, clientRef);
    let clientId: string;
    let name: string | null = null;
    if (found.ok) {
      clientId = found.id;
      name = found.name;
    } else {
      // A termination interrupted after the client row went: resume it by id.
      const record = await services.db.selectFrom('client_terminations').select(['subject_client_id', 'client_name']).where('subject_client_id', '=', clientRef.trim()).executeTakeFirst().catch(() => undefined);
      if (!record) {
        console.error(found.reason === 'ambiguous' ? `More than one client has that name; give the id: ${found.names?.join(', ')}` : `There is no client "${clientRef}".`);
        return 1;
      }
      clientId = record.subject_client_id;
    }
    const done = await findDeletionCertificate(services, clientId);
    if (done) {
      console.error(`Client ${clientId} was terminated already (${done.certificate.completedAt}); nothing was changed.`);
      return 1;
    }
    const confirmName = options.confirmName ?? (await ask(`This destroys ${name ?? clientId}'s keys and deletes all its data for good.\nType the client's name to confirm: `));
    const requester = { via: 'cli' as const, userId: null, label: `${os.userInfo().username}@${os.hostname()}` };
    const result = await terminateClient(services, requester, {
      clientId,
      confirmName,
      skipExportCheck: options.skipExportCheck ?? false,
      onProgress: (table, deleted) => process.stdout.write(`  ${table}: ${deleted} deleted\n`),
    });
    if (!result.ok) {
      const messages = {
        not_found: `There is no client "${clientRef}".`,
        name_mismatch: "The name typed does not match the client's name. Nothing was deleted.",
        already_terminated: 'The client was terminated already; nothing was changed.',
        export_required:
          'Export the client first (a complete export, begun after the last change to its data). Nothing was deleted. ' +
          'To terminate without one, pass --skip-export-check (recorded in the certificate).',
      } as const;
      console.error(messages[result.reason]);
      return 1;
    }
    const { certificate } = result.issued;
    const key = installationSigningKey(services);
    const document = JSON.stringify({ text: result.issued.text, signature: result.issued.signature, signingKey: { id: key.id, algorithm: key.algorithm, publicKeyPem: key.publicKeyPem } }, null, 2);
    if (options.out) await writeFile(options.out, `${document}\n`, { flag: 'wx' });
    console.log(
      [
        `Terminated ${certificate.client.name} (${certificate.client.id}).`,
        `  keys destroyed: ${certificate.keysDestroyed.map((k) => k.keyId).join(', ') || 'none left'}`,
        `  rows deleted:   ${certificate.totalRowsDeleted}`,
        `  audit chain:    ${certificate.auditChain.entries} entries, final hash ${certificate.auditChain.finalHash ?? '(none)'}`,
        options.out ? `  certificate:    ${options.out} (signed, key ${key.id})` : `  certificate:    GET /api/v1/operator/clients/${certificate.client.id}/deletion-certificate`,
      ].join('\n'),
    );
    return 0;
  } finally {
    await services.jobs.stop();
    await services.mailer.close();
    await database.close();
  }
}

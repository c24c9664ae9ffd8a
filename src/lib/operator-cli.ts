/**
 * What the operator's insight commands (`hark report monthly`, `hark rankings`, `hark
 * comments …`, `hark benchmarks`, `hark draw list|run`, `hark analytics summary`) share:
 * options checked before the database opens (by the domains' own zod schemas), a new file
 * to write, the client named by id or exact name and one of its locations by id, code or
 * name, an audited look into the client as operator staff, and plain-text tables.
 *
 * The rest of Hark is imported only once the options are good, so a mistyped option is
 * answered at once, as `hark --help` is.
 */
import { access as fileAccess, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import type { Access } from '../accounts/index.ts';
import type { Config } from '../config.ts';
import type { Services } from '../context.ts';
import type { ClientId } from '../db/tenancy.ts';

/** Exit code of a refusal: bad options, an unknown client, location or draw. */
export const EXIT_BAD_INPUT = 2;

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/** The option flag of a schema field: `locationId` → `--location`, `minCount` → `--min-count`. */
function flagOf(field: PropertyKey | undefined, flags: Readonly<Record<string, string>>): string {
  if (typeof field !== 'string') return 'the options';
  return flags[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Parses options with a domain's own request schema (the one its HTTP route uses); the first
 * problem comes back as a sentence naming the option and the value given.
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: Record<string, unknown>, flags: Readonly<Record<string, string>> = {}): Checked<z.infer<S>> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  const [issue] = parsed.error.issues;
  const field = issue?.path[0];
  const flag = flagOf(field, flags);
  const given = typeof field === 'string' ? input[field] : undefined;
  const message = issue?.message ?? 'is not valid';
  return { ok: false, message: given === undefined ? `${flag} ${message}.` : `${flag} ${message} ("${String(given)}" was given).` };
}

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A period given as --from and --to: it may not start after it ends, nor, with `maxDays`,
 * be longer. Days not written YYYY-MM-DD are left to the domain's schema to name.
 */
export function checkPeriodOrder(period: { from?: string | undefined; to?: string | undefined }, maxDays?: number): string | null {
  const { from, to } = period;
  if (!from || !to || !dayPattern.test(from) || !dayPattern.test(to)) return null;
  if (from > to) return `--from ${from} is after --to ${to}: give a period that starts on or before its last day.`;
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  if (maxDays !== undefined && days > maxDays) return `The period from ${from} to ${to} is ${days} days long: choose at most ${maxDays} days.`;
  return null;
}

/** Options with a --from … --to period: its order first (in the command line's words), then the domain's schema. */
export function parsePeriodOptions<S extends z.ZodType>(
  schema: S,
  input: Record<string, unknown> & { from?: string | undefined; to?: string | undefined },
  options: { flags?: Readonly<Record<string, string>>; maxDays?: number } = {},
): Checked<z.infer<S>> {
  const disorder = checkPeriodOrder(input, options.maxDays);
  return disorder ? { ok: false, message: disorder } : parseOptions(schema, input, options.flags);
}

/** A file this command may create: it must not exist yet, and its folder must. */
export async function checkNewFile(file: string): Promise<Checked<string>> {
  const target = path.resolve(file);
  const exists = await fileAccess(target).then(
    () => true,
    () => false,
  );
  if (exists) return { ok: false, message: `${target} exists already; give a new file name.` };
  const folder = await stat(path.dirname(target)).catch(() => null);
  if (!folder?.isDirectory()) return { ok: false, message: `The folder ${path.dirname(target)} does not exist; create it first or choose another --out.` };
  return { ok: true, value: target };
}

/** Who is at the command line, for the audit log: user@host, as the other CLI commands record it. */
export function cliActor(): string {
  return `${os.userInfo().username}@${os.hostname()}`;
}

/** Opens Hark's services (database, keys) for one command and closes them after `work`. */
export async function withServices<T>(config: Config, work: (services: Services) => Promise<T>): Promise<T> {
  const { openServices } = await import('../start.ts');
  const { services, database } = await openServices(config, { supervise: false });
  try {
    return await work(services);
  } finally {
    await services.jobs.stop();
    await services.mailer.close();
    await database.close();
  }
}

/** No account stands behind a look from the command line; this id matches none. */
const NO_USER = '00000000-0000-0000-0000-000000000000';

/**
 * Operator staff at the command line, in one client: every location, marked as an
 * operator's look (`operator: true`, as in the portal), and no account of the client's
 * behind it. The commands only read with it, except `hark draw run`, which records its
 * runner itself.
 */
export function operatorCliAccess(clientId: ClientId): Access {
  return { clientId, userId: NO_USER, role: 'viewer', locationIds: null, operator: true };
}

export interface ClientLook {
  services: Services;
  access: Access;
  client: { id: string; name: string };
  /** A location of the client by id, code or exact name (case-insensitive); a refusal names the problem. */
  findLocation(ref: string): Promise<Checked<{ id: string; name: string }>>;
}

/** The location `ref` names among the client's (archived ones too: their history is reportable). */
async function findLocationOf(services: Services, access: Access, ref: string): Promise<Checked<{ id: string; name: string }>> {
  const { listLocations } = await import('../programmes/index.ts');
  const locations = await listLocations(services, access, { includeArchived: true });
  const wanted = ref.trim().normalize('NFC').toLowerCase();
  const byId = locations.find((l) => l.id.toLowerCase() === wanted || l.code.toLowerCase() === wanted);
  if (byId) return { ok: true, value: { id: byId.id, name: byId.name } };
  const named = locations.filter((l) => l.name.normalize('NFC').toLowerCase() === wanted);
  const [only] = named;
  if (only && named.length === 1) return { ok: true, value: { id: only.id, name: only.name } };
  if (named.length > 1) return { ok: false, message: `More than one location is called "${ref}"; give its id or code: ${named.map((l) => `${l.code} (${l.id})`).join(', ')}.` };
  return { ok: false, message: `The client has no location "${ref}" (give a location's id, code or exact name).` };
}

/**
 * Opens the services, finds the client `clientRef` names (id, or exact name when unique),
 * records the look in the client's audit chain as operator staff (who, which command, what
 * it asked for), and runs `work`. Returns `work`'s exit code, or EXIT_BAD_INPUT with a
 * message when there is no such client.
 */
export async function lookIntoClient(
  config: Config,
  clientRef: string,
  look: { command: string; details: Record<string, string | number | boolean | null> },
  work: (look: ClientLook) => Promise<number>,
): Promise<number> {
  return withServices(config, async (services) => {
    const { findClientByIdOrName } = await import('../exports/index.ts');
    const found = await findClientByIdOrName(services, clientRef);
    if (!found.ok) {
      console.error(found.reason === 'ambiguous' ? `More than one client is called "${clientRef}"; give the id: ${found.names?.join(', ')}.` : `There is no client "${clientRef}" (give its id, or its exact name).`);
      return EXIT_BAD_INPUT;
    }
    const [{ appendAudit }, { asClientId }] = await Promise.all([import('../audit/index.ts'), import('../db/tenancy.ts')]);
    const access = operatorCliAccess(asClientId(found.id));
    await services.db.transaction().execute((trx) =>
      appendAudit(trx, {
        clientId: access.clientId,
        actorKind: 'operator',
        actorId: cliActor(),
        action: 'operator.insights_read',
        subjectKind: 'client',
        subjectId: found.id,
        details: { command: look.command, via: 'cli', ...look.details },
      }),
    );
    return work({ services, access, client: { id: found.id, name: found.name }, findLocation: (ref) => findLocationOf(services, access, ref) });
  });
}

/** Rows as aligned columns, the header first; `right` aligns a column's cells to the right. */
export function formatTable(columns: readonly { title: string; right?: boolean }[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max([...c.title].length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: readonly string[]) =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        const pad = ' '.repeat((widths[i] ?? 0) - [...cell].length);
        return c.right ? `${pad}${cell}` : `${cell}${pad}`;
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...rows.map(line)].join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

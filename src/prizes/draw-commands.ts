/**
 * `hark draw list --client <c> [--json]` and `hark draw run <draw>`: a client's prize draws
 * with their entrant counts (as GET /api/v1/prize-draws, through the same `listDraws`), and
 * running a draw whose period has closed (the same `runDraw` as the portal's button, audited
 * in the client's chain as operator staff at the command line). Exit 0; 2 on bad input or an
 * unknown client or draw; 1 when the draw cannot be run (still open, or run already).
 */
import type { Config } from '../config.ts';
import { cliActor, EXIT_BAD_INPUT, formatTable, lookIntoClient, operatorCliAccess, printJson, withServices } from '../lib/operator-cli.ts';
import type { DrawSummary } from './service.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function formatDraws(draws: readonly DrawSummary[], clientName: string): string {
  if (draws.length === 0) return `${clientName} has no prize draws (no programme has a prize draw turned on).`;
  const rows = draws.map((d) => [
    d.id,
    d.programmeName,
    d.periodName,
    d.status === 'open' && d.closed ? 'closed, not run' : d.status,
    String(d.entrants),
    String(d.winnersWanted),
    d.prize || '-',
  ]);
  return [
    `${clientName}: prize draws, newest period first`,
    '',
    formatTable(
      [{ title: 'Draw' }, { title: 'Programme' }, { title: 'Period' }, { title: 'Status' }, { title: 'Entrants', right: true }, { title: 'Winners', right: true }, { title: 'Prize' }],
      rows,
    ),
    '',
    'Entrants: one per person. Run a closed draw with `hark draw run <draw>`; check a drawn one with `hark draw verify <draw>`.',
  ].join('\n');
}

/** `hark draw list`; returns the exit code. */
export async function runDrawListCommand(config: Config, options: { client: string; json?: boolean }): Promise<number> {
  return lookIntoClient(config, options.client, { command: 'draw list', details: {} }, async ({ services, access, client }) => {
    const { listDraws } = await import('./service.ts');
    const draws = await listDraws(services, access);
    if (options.json) printJson(draws);
    else console.log(formatDraws(draws, client.name));
    return 0;
  });
}

/** `hark draw run <draw>`; returns the exit code. */
export async function runDrawRunCommand(config: Config, drawId: string): Promise<number> {
  if (!uuidPattern.test(drawId)) {
    console.error(`"${drawId}" is not a draw id (the uuid that \`hark draw list\` shows, also at the end of the draw's public page address).`);
    return EXIT_BAD_INPUT;
  }
  return withServices(config, async (services) => {
    const { findDrawClientId, runDraw } = await import('./service.ts');
    const clientId = await findDrawClientId(services, drawId);
    if (!clientId) {
      console.error(`There is no prize draw ${drawId} in this database.`);
      return EXIT_BAD_INPUT;
    }
    const result = await runDraw(services, operatorCliAccess(clientId), drawId, { kind: 'operator', label: cliActor(), via: 'cli' });
    if (!result.ok) {
      if (result.reason === 'not_found') {
        console.error(`There is no prize draw ${drawId} in this database.`);
        return EXIT_BAD_INPUT;
      }
      console.error(
        result.reason === 'not_closed'
          ? 'This draw’s period has not closed yet: it can be run from the day after its last day (in the business’s timezone). Nothing was changed.'
          : 'This draw has been run already; its winners stand. Nothing was changed.',
      );
      return 1;
    }
    console.log(
      `Drew prize draw ${drawId}: ${result.entrants} entrant(s), ${result.winners} winner(s). Anyone can check it at ${services.publicUrl}/draws/${drawId}, or with \`hark draw verify ${drawId}\`. The business tells its winners from the portal.`,
    );
    return 0;
  });
}

/** `hark draw verify <draw>`: what it prints and its exit codes (0 agrees, 1 disagrees, 2 no such draw). */
import type { Config } from '../config.ts';
import { openServices } from '../start.ts';
import { verifyStoredDraw } from './service.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function runDrawVerifyCommand(cfg: Config, drawId: string): Promise<number> {
  if (!uuid.test(drawId)) {
    console.error(`hark draw verify: "${drawId}" is not a draw id (the uuid at the end of the draw's public page address).`);
    return 2;
  }
  const { services, database } = await openServices(cfg, { supervise: false });
  try {
    const check = await verifyStoredDraw(services, drawId);
    if (!check.found) {
      console.error(`hark draw verify: there is no prize draw ${drawId} in this database.`);
      return 2;
    }
    if (check.open) {
      console.log('This draw is still open: its seed and entry list are published when its period closes. Nothing to verify yet.');
      return 0;
    }
    if (check.result.ok) {
      console.log(`The draw agrees: the seed matches the commitment, the ${check.draw.tokens.length} entries match their hash, and the seed picks the ${check.draw.winners.length} winner(s) it names.`);
      return 0;
    }
    console.log('The draw DISAGREES with what it published:');
    for (const problem of check.result.problems) console.log(`  - ${problem}`);
    return 1;
  } finally {
    await services.jobs.stop();
    await services.mailer.close();
    await database.close();
  }
}

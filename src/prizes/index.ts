/** Prize draws: verifiable by anyone, one entry per person per period, entrants' details purged when the terms say. */
export { commitmentOf, drawPositions, entriesHash, entrantToken, orderEntries, verifyDraw, type PublishedDraw } from './algorithm.ts';
export { ensureAllCurrentDraws, findPublicDraw, listDraws, purgeDueDraws, runDraw, verifyStoredDraw } from './service.ts';
export { prizeDrawJob, prizeDrawQueues, PRIZE_DRAW_CRON, PRIZE_DRAW_QUEUE } from './jobs.ts';
export { prizeDrawRoutes } from './routes.ts';

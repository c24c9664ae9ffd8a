/**
 * Telling "the database cannot be reached just now" apart from every other failure, for the
 * HTTP layer (503 with Retry-After instead of a 500) and the job queue (wait, then record).
 */

/** SQLSTATEs of a server that is shutting down, starting up, crashed or full (besides class 08). */
const unavailableSqlStates = new Set(['57P01', '57P02', '57P03', '53300']);
/** Socket errors of a connection to the database that could not be made or was cut. */
const connectionErrnos = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** What `pg` says, with no code, when the socket closed under a query or left a client unusable. */
const pgConnectionMessages =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect)$/;

/**
 * True for an error that means the database cannot be reached just now (down, restarting,
 * failing over, out of connections), as opposed to a fault in Hark: the request may be sent
 * again shortly. Whatever the failed request did was in a transaction that did not commit,
 * or is made safe to repeat by the request's own key (a form's nonce, a text's message id).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (unavailableSqlStates.has(code) || /^08[0-9A-Z]{3}$/.test(code) || connectionErrnos.has(code))) return true;
  // Connecting to a name with several addresses fails with one error per address.
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  return pgConnectionMessages.test(error.message);
}

/**
 * Runs `work`, and runs it again every `intervalMs` while it fails because the database is
 * unavailable, for up to `patienceMs`; any other failure, or the last one, is thrown. For
 * writes that record something already done outside the database (a mail or a text sent):
 * given up at the first failure, the deed would be done again.
 */
export async function retryWhileDatabaseUnavailable<T>(work: () => Promise<T>, options: { patienceMs: number; intervalMs?: number; stop?: () => boolean }): Promise<T> {
  const until = Date.now() + options.patienceMs;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() >= until || options.stop?.()) throw error;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
    }
  }
}

/**
 * A primary and a streaming hot standby of it, each a throwaway cluster of its own
 * (scripts/lib/postgres-cluster.ts), for the read-replica test.
 */
import { createPostgresCluster, type PostgresCluster } from '../../scripts/lib/postgres-cluster.ts';
import { waitFor } from '../helpers/wait.ts';

export interface ReplicatedPair {
  primary: PostgresCluster;
  standby: PostgresCluster;
  /** Stops both and removes their folders. */
  remove(): Promise<void>;
}

/** Settings that keep a test cluster small and quick (nothing here must survive a crash). */
const quick = { fsync: 'off', synchronous_commit: 'off', shared_buffers: '16MB', max_connections: '60' };

export async function startReplicatedPair(): Promise<ReplicatedPair> {
  const primary = await createPostgresCluster({ settings: quick });
  try {
    const standby = await createPostgresCluster({ settings: quick, standbyOf: primary });
    return {
      primary,
      standby,
      async remove() {
        await standby.destroy();
        await primary.destroy();
      },
    };
  } catch (error) {
    await primary.destroy();
    throw error;
  }
}

/**
 * Waits until the standby has replayed everything the primary had committed when this was
 * called: up to its WAL insert position, since these clusters commit asynchronously and a
 * commit may not be written yet.
 */
export async function replicaCaughtUp(pair: ReplicatedPair, timeoutMs = 10_000): Promise<void> {
  const [{ lsn } = { lsn: '' }] = await pair.primary.query<{ lsn: string }>('select pg_current_wal_insert_lsn()::text as lsn');
  await waitFor(
    async () => {
      const [row] = await pair.standby.query<{ caught_up: boolean }>('select pg_last_wal_replay_lsn() >= $1::pg_lsn as caught_up', [lsn]);
      return row?.caught_up ? true : undefined;
    },
    { timeoutMs, intervalMs: 50, what: `the standby to replay up to ${lsn}` },
  );
}

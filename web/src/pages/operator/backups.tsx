/**
 * Operator console → Backups: every backup run with its size, checksum and manifest summary,
 * a warning when the newest good backup is over 26 hours old (or there is none), and
 * "Back up now", which queues one for a worker; the list follows it until it finishes.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../../api/client.ts';
import { backupsApi, type Backup } from '../../api/backups.ts';
import { FormMessage } from '../../components/forms.tsx';
import { Empty, LoadError, Loading } from '../../components/status.tsx';
import { formatCount, formatDateTime } from '../../lib/format.ts';
import { OperatorSection } from './operator.tsx';

const triggerNames: Record<Backup['trigger'], string> = { schedule: 'Scheduled', operator: 'From the console', cli: 'hark backup' };
const statusNames: Record<Backup['status'], string> = { queued: 'Queued', running: 'Running…', succeeded: 'Succeeded', failed: 'Failed' };

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function BackupRow({ backup }: { backup: Backup }) {
  const folder = backup.location?.split('/').pop() ?? null;
  return (
    <tr>
      <td>{formatDateTime(backup.finishedAt ?? backup.startedAt ?? backup.requestedAt)}</td>
      <td>{triggerNames[backup.trigger]}</td>
      <td>{backup.status === 'failed' ? <span className="notice notice-error">Failed: {backup.error}</span> : statusNames[backup.status]}</td>
      <td>{backup.sizeBytes === null ? '—' : formatBytes(backup.sizeBytes)}</td>
      <td>
        {backup.summary ? (
          <>
            {formatCount(backup.summary.tables)} tables, {formatCount(backup.summary.rows)} rows, {formatCount(backup.summary.auditChains)} audit chains
            <br />
            <small>
              {backup.summary.kind === 'postgres' ? 'PostgreSQL' : 'Embedded'}, schema {backup.summary.schemaVersion ?? '—'}
              {folder ? <>, folder {folder}</> : null}
            </small>
          </>
        ) : (
          '—'
        )}
      </td>
      <td>{backup.sha256 ? <code title={backup.sha256}>{backup.sha256.slice(0, 12)}…</code> : '—'}</td>
    </tr>
  );
}

export function OperatorBackups() {
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: ['operator', 'backups'],
    queryFn: backupsApi.list,
    // While a backup is queued or running, follow it.
    refetchInterval: (query) => (query.state.data?.backups.some((b) => b.status === 'queued' || b.status === 'running') ? 2000 : false),
  });
  const backUp = useMutation({
    mutationFn: backupsApi.backUpNow,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['operator', 'backups'] }),
  });
  const inHand = list.data?.backups.some((b) => b.status === 'queued' || b.status === 'running') ?? false;
  return (
    <OperatorSection title="Backups" intro="Backups of the whole database, each with a manifest of row counts and checksums to check a restore against.">
      {list.data?.warning ? (
        <div className="notice notice-warning" role="status">
          <p>
            <strong>{list.data.warning.code === 'no_backup' ? 'No backup yet.' : 'The newest backup is old.'}</strong> {list.data.warning.message}
          </p>
        </div>
      ) : null}
      <div className="stack">
        {list.data ? (
          <p>
            {list.data.schedule.intervalHours > 0
              ? `A backup is made every ${list.data.schedule.intervalHours} hours`
              : 'Scheduled backups are off (HARK_BACKUP_INTERVAL_HOURS=0)'}
            , into {list.data.schedule.folder} on the server. Copy that folder off the machine; restore with <code>hark restore</code>.
          </p>
        ) : null}
        <div className="form-actions">
          <button type="button" className="button" disabled={backUp.isPending || inHand} onClick={() => backUp.mutate()}>
            {inHand ? 'Backing up…' : 'Back up now'}
          </button>
        </div>
        <FormMessage error={backUp.error ? errorMessage(backUp.error) : null} success={backUp.isSuccess ? 'Backup queued: a worker makes it now, and the list shows when it is done.' : null} />
      </div>
      {list.isPending ? <Loading /> : null}
      {list.error ? <LoadError error={list.error} what="The backups" retry={() => void list.refetch()} /> : null}
      {list.data && !list.data.backups.length ? <Empty title="No backups yet">The first backup will appear here.</Empty> : null}
      {list.data?.backups.length ? (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Backups, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Made by</th>
                <th scope="col">Status</th>
                <th scope="col">Size</th>
                <th scope="col">Contents</th>
                <th scope="col">SHA-256</th>
              </tr>
            </thead>
            <tbody>
              {list.data.backups.map((b) => (
                <BackupRow key={b.id} backup={b} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </OperatorSection>
  );
}

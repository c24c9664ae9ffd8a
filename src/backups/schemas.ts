import { z } from 'zod';

export const backupSchema = z.object({
  id: z.string().uuid(),
  trigger: z.enum(['schedule', 'operator', 'cli']).describe('who asked: the schedule, operator staff in the console, or `hark backup`'),
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  requestedAt: z.string().datetime(),
  startedAt: z.string().datetime().nullable(),
  finishedAt: z.string().datetime().nullable(),
  location: z.string().nullable().describe("the backup's folder on the server (data file and manifest.json)"),
  sizeBytes: z.number().int().nullable().describe('size of the data file'),
  sha256: z.string().nullable().describe("SHA-256 of the data file, as in the manifest"),
  summary: z
    .object({
      kind: z.enum(['postgres', 'pglite']),
      schemaVersion: z.string().nullable().describe('the newest migration the backup holds'),
      tables: z.number().int(),
      rows: z.number().int(),
      auditChains: z.number().int(),
    })
    .nullable()
    .describe("the manifest's summary"),
  error: z.string().nullable().describe('why a failed backup failed'),
});

export const backupListSchema = z.object({
  backups: z.array(backupSchema).describe('newest first, at most 50'),
  newestSucceededAt: z.string().datetime().nullable(),
  warning: z
    .object({ code: z.enum(['no_backup', 'backup_stale']), message: z.string() })
    .nullable()
    .describe('set when no backup succeeded yet or the newest is more than 26 hours old'),
  schedule: z.object({
    intervalHours: z.number().describe('HARK_BACKUP_INTERVAL_HOURS; 0: scheduled backups are off'),
    folder: z.string().describe('HARK_BACKUP_DIR'),
  }),
});

import { z } from 'zod';

export const clientParamsSchema = z.object({ clientId: z.string().uuid().describe("The client's id") });

export const exportListQuerySchema = z.object({
  clientId: z.string().uuid().optional().describe('Only the exports of this client'),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('At most this many, newest first'),
});

export const clientExportSchema = z.object({
  id: z.string().uuid(),
  clientId: z.string().uuid().describe('The client exported (it may since have been terminated)'),
  clientName: z.string(),
  fileName: z.string(),
  via: z.enum(['api', 'cli']),
  requestedBy: z.string().describe("The operator's email, or the CLI's user@host"),
  status: z.enum(['running', 'complete', 'failed']),
  schemaVersion: z.string().describe('The newest database migration when it was made'),
  rowCounts: z.record(z.string(), z.number()).describe('Rows per kind'),
  totalRows: z.number().nullable(),
  sha256: z.string().nullable().describe('SHA-256 (hex) of the zip as it was sent'),
  bytes: z.number().nullable(),
  startedAt: z.string().datetime(),
  completedAt: z.string().datetime().nullable(),
});

/**
 * Exports: a client's whole data as a streamed zip (JSON Lines and CSV per kind, a manifest
 * with row counts and checksums, SCHEMA.md), the record of exports made, and the scoped
 * export that a legal disclosure releases.
 */
export { exportRoutes } from './routes.ts';
export { startClientExport, findClientByIdOrName, exportFileName, type StartedExport, type ExportRequester } from './export-client.ts';
export { latestClientExport, listClientExports, type ClientExportSummary } from './records.ts';
export { writeExport, currentSchemaVersion, type WrittenExport, type ExportManifest, type ManifestFile } from './write-export.ts';
export { resolveScope, type ExportScope, type ScopeFilter } from './scope.ts';
export { exportKinds } from './kinds.ts';

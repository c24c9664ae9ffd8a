/** Row encodings of an export: JSON Lines and CSV (RFC 4180, with a header row), and SCHEMA.md. */
import type { Cell, ColumnSpec, ExportKind, ExportRecord } from './kinds.ts';

export function toJsonLine(record: ExportRecord): string {
  return `${JSON.stringify(record)}\n`;
}

function csvField(value: Cell): string {
  if (value === null) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsvHeader(columns: ColumnSpec[]): string {
  return `${columns.map((c) => csvField(c.name)).join(',')}\r\n`;
}

export function toCsvLine(record: ExportRecord, columns: ColumnSpec[]): string {
  return `${columns.map((c) => csvField(record[c.name] ?? null)).join(',')}\r\n`;
}

export function renderSchemaMarkdown(kinds: readonly ExportKind[], schemaVersion: string): string {
  const lines = [
    '# Hark client export',
    '',
    `Database schema version: \`${schemaVersion}\`.`,
    '',
    'Each kind of record is in two files with the same rows: `<kind>.jsonl` (one JSON object a line) and',
    '`<kind>.csv` (RFC 4180, UTF-8, a header row, CRLF line ends; empty means null; lists and objects as JSON).',
    'Times are ISO 8601 in UTC. `manifest.json` gives each file\'s row count and SHA-256.',
    'Contact details and text messages are decrypted.',
    '',
  ];
  for (const kind of kinds) {
    lines.push(`## ${kind.name}`, '', kind.description, '', '| column | meaning |', '| --- | --- |');
    for (const column of kind.columns) lines.push(`| \`${column.name}\` | ${column.description.replaceAll('|', '\\|')} |`);
    lines.push('');
  }
  return lines.join('\n');
}

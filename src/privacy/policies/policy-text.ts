/**
 * Checking a policy text before it is published: it must be UTF-8, not empty, and at most
 * 256 KB. The same rules serve the CLI (a file's bytes) and the API (a JSON string, which
 * arrives already decoded: a byte that was not UTF-8 shows as U+FFFD there).
 */
import { createHash } from 'node:crypto';
import type { PolicyFormat } from '../tables.ts';

export const MAX_POLICY_BYTES = 256 * 1024;

export type PolicyTextProblem = 'empty' | 'too_large' | 'not_utf8' | 'control_characters';

export type CheckedPolicyText = { ok: true; body: string; sha256: Buffer } | { ok: false; problem: PolicyTextProblem; message: string };

export const policyTextMessages: Record<PolicyTextProblem, string> = {
  empty: 'The policy text is empty. Give the whole text of the new version.',
  too_large: `The policy text is larger than ${MAX_POLICY_BYTES / 1024} KB. A privacy policy should be far shorter; check that this is the right file.`,
  not_utf8: 'The policy text is not valid UTF-8. Save the file as UTF-8 (plain text or Markdown) and try again.',
  control_characters: 'The policy text contains control characters (such as NUL). Save it as plain text or Markdown and try again.',
};

function problem(kind: PolicyTextProblem): CheckedPolicyText {
  return { ok: false, problem: kind, message: policyTextMessages[kind] };
}

/** Line endings are kept as LF, so the same text hashes the same from any system. */
function normalise(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

function checkDecoded(text: string): CheckedPolicyText {
  const body = normalise(text);
  if (body.trim() === '') return problem('empty');
  if (Buffer.byteLength(body, 'utf8') > MAX_POLICY_BYTES) return problem('too_large');
  if (body.includes('\uFFFD')) return problem('not_utf8');
  // Tabs and newlines are text; other C0 controls (NUL, bell …) are a binary file.
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(body)) return problem('control_characters');
  return { ok: true, body, sha256: createHash('sha256').update(body, 'utf8').digest() };
}

/** A file's bytes, as the CLI reads them. */
export function checkPolicyBytes(bytes: Uint8Array): CheckedPolicyText {
  if (bytes.length > MAX_POLICY_BYTES + 3) return problem('too_large');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return problem('not_utf8');
  }
  return checkDecoded(text);
}

/** A text that arrived as a JSON string. */
export function checkPolicyString(text: string): CheckedPolicyText {
  return checkDecoded(text);
}

/** Markdown unless the file is named as plain text. */
export function formatOfFileName(fileName: string): PolicyFormat {
  return /\.(txt|text)$/i.test(fileName) ? 'text' : 'markdown';
}

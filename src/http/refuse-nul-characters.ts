/**
 * Refuses every request whose path, query or body holds a NUL character (U+0000), before
 * any route validates or uses it. PostgreSQL text cannot hold one, so it would otherwise fail
 * inside a query and be answered 500 ("invalid byte sequence for encoding UTF8: 0x00"); no
 * field of Hark has a use for it. Found by wapiti (docs/security.md).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from './errors.ts';

/**
 * Whether a string, or any key or string inside parsed JSON, form or query data, holds
 * U+0000. Bytes (a Buffer) and streams are not text: left alone.
 */
export function holdsNulCharacter(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || depth > 64 || ArrayBuffer.isView(value)) return false;
  if (typeof (value as { pipe?: unknown }).pipe === 'function') return false;
  if (Array.isArray(value)) return value.some((item) => holdsNulCharacter(item, depth + 1));
  return Object.entries(value).some(([key, item]) => key.includes('\u0000') || holdsNulCharacter(item, depth + 1));
}

async function refuseNulCharacters(app: FastifyInstance): Promise<void> {
  app.addHook('preValidation', async (request) => {
    if (holdsNulCharacter(request.params) || holdsNulCharacter(request.query) || holdsNulCharacter(request.body)) {
      throw new HttpError('validation_failed', 'The request contains a NUL character (a zero byte), which Hark does not accept. Remove it and try again.');
    }
  });
}

export const refuseNulCharactersPlugin = fp(refuseNulCharacters, { name: 'refuse-nul-characters' });

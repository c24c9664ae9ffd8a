import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * For routes served to this machine only (the development phone, unguarded metrics): 404
 * to anyone else. A reverse proxy on this machine also connects from loopback, so a request
 * carrying proxy headers is someone else's and refused too.
 */
export async function onlyFromThisMachine(request: FastifyRequest): Promise<void> {
  const forwarded = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
  if (forwarded || !LOOPBACK.has(request.socket.remoteAddress ?? '')) throw new HttpError('not_found');
}

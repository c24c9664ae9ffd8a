/**
 * Public HTML forms that act for nobody (no session: the privacy request and complaint forms)
 * still refuse posts made from another website. Otherwise any page could make its visitors'
 * browsers file requests or complaints, from as many addresses as it has visitors, past the
 * per-IP limits. Browsers say where a post comes from (Origin; Sec-Fetch-Site); a post with
 * neither (curl, a script) is let through: no other site can have made a browser send it.
 * The portal's API has its own, stricter check (session-auth.ts).
 */
import type { FastifyRequest } from 'fastify';
import type { Services } from '../context.ts';
import { HttpError } from './errors.ts';

export function isCrossSitePost(request: FastifyRequest, publicUrl: string): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return request.headers['sec-fetch-site'] === 'cross-site';
  // "null": a sandboxed frame, a data: URL or a cross-site redirect; never Hark's own page.
  return origin !== new URL(publicUrl).origin && origin !== `${request.protocol}://${request.host}`;
}

/** A preHandler that answers 403 to a post sent from another site. */
export function refuseCrossSiteForm(services: Services) {
  return async (request: FastifyRequest): Promise<void> => {
    if (isCrossSitePost(request, services.publicUrl)) {
      throw new HttpError('csrf_failed', 'This form was sent from another website. Open the form on our site and send it from there.');
    }
  };
}

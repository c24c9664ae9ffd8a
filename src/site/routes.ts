/** The public marketing site: /, /pricing and /contact (the privacy policy is the privacy domain's /privacy). */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Services } from '../context.ts';
import { answerRateLimitedByIp } from '../http/errors.ts';
import { renderContactPage, renderHomePage, renderPricingPage } from './pages.ts';

export interface SiteRoutesOptions {
  services: Services;
}

export const siteRoutes: FastifyPluginAsync<SiteRoutesOptions> = async (app, { services }) => {
  const limit = app.rateLimit({
    max: services.config.rateLimits.pagePerIp,
    timeWindow: services.config.rateLimits.windowSeconds * 1000,
    groupId: 'site-pages',
    errorResponseBuilder: answerRateLimitedByIp,
  });
  // Rendered once: the pages change only with a new release (or the contact address with a restart).
  const pages = { home: renderHomePage(), pricing: renderPricingPage(), contact: renderContactPage(services.config.contactEmail) };
  const send = (reply: FastifyReply, body: string) => reply.type('text/html; charset=utf-8').header('cache-control', 'public, max-age=300').send(body);
  app.get('/', { schema: { hide: true }, preHandler: limit }, async (_request, reply) => send(reply, pages.home));
  app.get('/pricing', { schema: { hide: true }, preHandler: limit }, async (_request, reply) => send(reply, pages.pricing));
  app.get('/contact', { schema: { hide: true }, preHandler: limit }, async (_request, reply) => send(reply, pages.contact));
};

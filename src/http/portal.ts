/**
 * Serves the portal (the React single-page app built by Vite into web/dist) under /portal:
 * hashed assets with long caching, and index.html for every portal path so the app's own
 * router takes over. (`/` is the public site's home page, src/site.)
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { renderProblemPage } from '../feedback/index.ts';

export const portalDistDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

export const portalRoutes: FastifyPluginAsync = async (app) => {
  const built = existsSync(path.join(portalDistDir, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: path.join(portalDistDir, 'assets'),
      prefix: '/portal/assets/',
      immutable: true,
      maxAge: '365d',
      index: false,
      wildcard: true,
    });
  }
  // index.html is read again when a new build replaced it (npm run build:web while Hark
  // runs); the build keeps the previous build's assets, so pages already open still load.
  const indexPath = path.join(portalDistDir, 'index.html');
  let indexHtml: { mtimeMs: number; html: Promise<string> } | undefined;
  const servePortal = async (_request: unknown, reply: import('fastify').FastifyReply) => {
    if (!built) {
      return reply
        .code(503)
        .type('text/html; charset=utf-8')
        .send(renderProblemPage('Portal not built', 'The portal has not been built. Run npm run build:web (npm start does it for you).'));
    }
    const mtimeMs = (await stat(indexPath).catch(() => null))?.mtimeMs ?? 0;
    if (!indexHtml || indexHtml.mtimeMs !== mtimeMs) indexHtml = { mtimeMs, html: readFile(indexPath, 'utf8') };
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(await indexHtml.html);
  };
  app.get('/portal', { schema: { hide: true } }, servePortal);
  app.get('/portal/*', { schema: { hide: true } }, servePortal);
};

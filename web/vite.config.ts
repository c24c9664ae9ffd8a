/**
 * The portal build: a React single-page app served by Hark at /portal. `npm run build:web`
 * (or scripts/build-portal.mjs, run by `npm start` and the tests) writes web/dist;
 * `npx vite --config web/vite.config.ts` serves it with hot reload, passing /api to a Hark
 * on HARK_DEV_API (default http://localhost:3000).
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const webRoot = new URL('.', import.meta.url).pathname;

export default defineConfig({
  root: webRoot,
  base: '/portal/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hark's Content-Security-Policy allows scripts only from files: no inline module preload polyfill.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    proxy: { '/api': process.env.HARK_DEV_API ?? 'http://localhost:3000' },
  },
});

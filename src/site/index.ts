/** The operator's public marketing site (home, pricing, contact), carrying the analytics script. */
export { siteRoutes } from './routes.ts';

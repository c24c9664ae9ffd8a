/**
 * Disclosures: the operator's register of legal orders (warrant, production order,
 * subpoena, other) and the single, audited release of the data each one covers.
 */
export { disclosureRoutes } from './routes.ts';
export { recordDisclosure, listDisclosures, findDisclosure, startRelease, type DisclosureView } from './service.ts';

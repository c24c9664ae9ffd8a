/**
 * Clients: the tenants. Creating a client also creates its wrapped data and index keys and
 * opens its audit chain.
 */
export { createClient, findClient, type NewClient } from './service.ts';

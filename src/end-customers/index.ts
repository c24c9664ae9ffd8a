/**
 * End customers: people known only by the contact details they chose to give. Contact
 * details are stored encrypted under the client's data key and found by blind index.
 */
export { normaliseEmail, normaliseMobile } from './normalise.ts';
export { matchEndCustomers, recordEndCustomer, recordEndCustomers, findEndCustomersByEmail, readContactDetails, type ContactDetails } from './service.ts';

import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** E.164 form of a mobile number, with the client's country as default; null if not a valid number. */
export function normaliseMobile(mobile: string, defaultCountry: string): string | null {
  const parsed = parsePhoneNumberFromString(mobile.trim(), defaultCountry.toUpperCase() as CountryCode);
  if (!parsed || !parsed.isValid()) return null;
  return parsed.number;
}

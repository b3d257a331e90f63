import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';

/**
 * Normalises a phone number to E.164. A national number is read in the company's country; an
 * international one ("+44…", "0044…") keeps its own. Returns null only for a number that cannot exist
 * (no digits, too short, too long), which the caller reports as a 400.
 */
export function normalizePhone(input: string, country: string): string | null {
  let text = input.trim();
  if (!/\d/.test(text)) return null;
  // "00" is the international call prefix in most of the world, including AU.
  if (text.startsWith('00')) text = '+' + text.slice(2);
  const parsed = parsePhoneNumberFromString(text, country as CountryCode);
  if (!parsed || !parsed.isPossible()) return null;
  return parsed.number;
}

/**
 * The digits to look for in stored E.164 numbers when a search term looks like a phone number:
 * "0412 345 678" → "412345678", which is inside "+61412345678". Null when the term is not phone-like.
 */
export function phoneSearchDigits(term: string): string | null {
  if (!/^[\d\s()+.-]+$/.test(term)) return null;
  const digits = term.replace(/\D/g, '').replace(/^0+/, '');
  return digits.length >= 3 ? digits : null;
}

/**
 * A stored (E.164) number as people of `country` write it: national format for a number of that
 * country ("+61412555019" → "0412 555 019" in AU), international for any other ("+44 20 7946 0958").
 * Anything that does not parse is shown as stored.
 */
export function formatPhone(e164: string, country: string): string {
  const parsed = parsePhoneNumberFromString(e164, country as CountryCode);
  if (!parsed) return e164;
  return parsed.country === country ? parsed.formatNational() : parsed.formatInternational();
}

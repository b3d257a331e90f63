// The company's country and the locale it gives (src/lib/locale.ts), set from the settings as they
// arrive (main.tsx) and read by every formatter (dates.ts). A module of its own so that the entry
// chunk, which sets it, does not carry the formatters' phone metadata.
import { localeOfCountry } from '../../../src/lib/locale';

const DEFAULT_COUNTRY = 'AU';
let country = DEFAULT_COUNTRY;
let locale = localeOfCountry(DEFAULT_COUNTRY);

/** Called with the company's settings as they load or change. */
export function setCompanyCountry(countryCode: string | undefined) {
  if (!countryCode || countryCode === country) return;
  country = countryCode;
  locale = localeOfCountry(countryCode);
}

export const companyCountry = () => country;
/** The company's locale, for an Intl formatter dates.ts does not have. */
export const companyLocale = () => locale;

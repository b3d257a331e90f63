// The locale a company's dates and numbers are written in: English (the product's language) as
// written in the company's country ("en-AU": "2 Dec 2026, 9:00 am"), or plain English where the
// runtime knows no such locale. The server (the quote page) and the dashboard both read it here.

const DEFAULT = 'en';

/** `countryCode`: ISO 3166 alpha-2, as companies.country holds it. */
export function localeOfCountry(countryCode: string): string {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([`en-${countryCode.toUpperCase()}`])[0] ?? DEFAULT;
  } catch {
    return DEFAULT;
  }
}

/** What a country's tax on sales is called on a customer's quote: GST in Australia; plain "Tax" elsewhere. */
export function taxNameOf(countryCode: string): string {
  return countryCode.toUpperCase() === 'AU' ? 'GST' : 'Tax';
}

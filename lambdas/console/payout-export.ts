import type { Money } from '../core/money';
import { minorUnitDigits } from '../core/money';

/**
 * What is owed to affiliates as the files two payout services import, built from plain data:
 * - PayPal Payouts Web: no header row; per row the recipient's e-mail, the amount in major units,
 *   the currency code, an optional customer ID (30 characters at most: Tally's affiliate ID), an
 *   optional note and the wallet (`PAYPAL`). One currency per file, so the file takes one.
 * - Wise batch payments, "send by e-mail" template: a header row (`name`, `recipientEmail`,
 *   `paymentReference`, `receiverType`, `amountCurrency`, `amount`, `sourceCurrency`,
 *   `targetCurrency`); Wise mails each recipient a link to give their bank details. Paid from a
 *   balance in the currency owed, so the three currency columns are the same.
 * Amounts are the integer minor units Stripe counts in, written with exactly the currency's
 * decimals (JPY 1500 is `1500`, USD 1500 is `15.00`, KWD 1500 is `1.500`), never through floats.
 */

export const payoutFormats = ['paypal', 'wise'] as const;
export type PayoutFormat = (typeof payoutFormats)[number];

/** One affiliate's approved, unpaid balance in one currency. */
export interface OwedRow {
  affiliateId: string;
  email: string;
  name: string | null;
  owed: Money;
}

/** An amount in major units with the currency's own decimals, as both services read it (a dot as the separator). */
export const majorUnits = ({ amount, currency }: Money): string => {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new Error(`Not an amount to pay: ${amount}`);
  const digits = minorUnitDigits(currency);
  if (digits === 0) return String(amount);
  const text = String(amount).padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
};

/**
 * A CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces, with
 * quotes doubled. Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) is
 * prefixed with `'`, since these files are opened in one before they are uploaded.
 */
export const csvField = (value: string): string => {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

const csv = (rows: readonly (readonly string[])[]): string => rows.map((row) => `${row.map(csvField).join(',')}\r\n`).join('');

const upper = (currency: string) => currency.toUpperCase();

/** Only what is owed is paid: rows with nothing owed are left out. */
const payable = (rows: readonly OwedRow[]) => rows.filter((row) => row.owed.amount > 0);

/** PayPal shows the note in the recipient's mail: one line. */
const paypalNote = (note: string) => note.replace(/[\r\n]+/g, ' ').slice(0, 4000);

export const paypalCsv = (rows: readonly OwedRow[], currency: string, note: string): string => {
  const wrong = rows.find((row) => row.owed.currency.toLowerCase() !== currency.toLowerCase());
  if (wrong) throw new Error(`A PayPal Payouts file has one currency: ${wrong.owed.currency} is not ${currency}`);
  return csv(payable(rows).map((row) => [row.email, majorUnits(row.owed), upper(row.owed.currency), row.affiliateId, paypalNote(note), 'PAYPAL']));
};

export const wiseHeaders = ['name', 'recipientEmail', 'paymentReference', 'receiverType', 'amountCurrency', 'amount', 'sourceCurrency', 'targetCurrency'] as const;

/** Wise shows the reference on the recipient's statement, where banks keep only a few plain characters. */
const wiseReference = (reference: string) => reference.replace(/[^\w .-]/g, '').slice(0, 18);

export const wiseCsv = (rows: readonly OwedRow[], reference: string): string =>
  csv([
    wiseHeaders,
    ...payable(rows).map((row) => {
      const currency = upper(row.owed.currency);
      return [row.name ?? row.email, row.email, wiseReference(reference), 'PRIVATE', currency, majorUnits(row.owed), currency, currency];
    }),
  ]);

/** The download's file name: `tally-owed-test-paypal-usd-2026-12-08.csv`. */
export const exportFileName = (input: { mode: string; format: PayoutFormat; currency?: string; at: Date }): string =>
  ['tally-owed', input.mode, input.format, ...(input.currency ? [input.currency.toLowerCase()] : []), input.at.toISOString().slice(0, 10)].join('-') + '.csv';

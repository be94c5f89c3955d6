import type { VNode } from 'preact';
import type * as z from 'zod';
import { ConflictError, type ErrorIssue, ValidationError } from '../core/errors';
import { minorUnitDigits } from '../core/money';
import type { HttpResult } from '../http/response';
import type { Session } from '../people';
import { type Form, pageHeaders } from '../web/app';
import { fieldErrors } from '../web/format';
import { html, renderDocument, type Markup } from '../web/html';

/**
 * The console's forms: url-encoded strings converted to a domain schema's input (numbers, money in
 * minor units, lists), validated by that schema, and its issues shown beside the fields. A field's
 * name is the path of the input it fills (`rate.flat.amount`), so an issue finds its field.
 */

/** A field's text, trimmed; an empty field is `undefined`. */
export const text = (form: Form, name: string): string | undefined => {
  const value = (form[name] ?? '').trim();
  return value === '' ? undefined : value;
};

/** Issues found while converting a form, before its schema sees it. */
export type Issues = ErrorIssue[];

const pathOf = (name: string) => name.split('.');

/** `"12.5"` with 2 places → 1250: a plain decimal scaled to an integer exactly (no floating point), or undefined. */
export const scaleDecimal = (value: string, places: number): number | undefined => {
  const match = /^(\d{1,12})(?:\.(\d*))?$/.exec(value.trim());
  if (!match) return undefined;
  const decimals = match[2] ?? '';
  if (decimals.length > places) return undefined;
  return Number(`${match[1]}${decimals.padEnd(places, '0')}`);
};

/** A whole number field; `undefined` when empty or not one (then with an issue). */
export const wholeNumber = (form: Form, name: string, issues: Issues): number | undefined => {
  const value = text(form, name);
  if (value === undefined) return undefined;
  if (/^\d{1,9}$/.test(value)) return Number(value);
  issues.push({ path: pathOf(name), message: 'Enter a whole number.' });
  return undefined;
};

/** A decimal number field (a percentage such as 12.5). */
export const decimalNumber = (form: Form, name: string, issues: Issues): number | undefined => {
  const value = text(form, name);
  if (value === undefined) return undefined;
  if (/^\d{1,9}(\.\d+)?$/.test(value)) return Number(value);
  issues.push({ path: pathOf(name), message: 'Enter a number such as 12.5.' });
  return undefined;
};

/** A percentage as entered (12.5) in basis points (1250). */
export const percentToBps = (form: Form, name: string, issues: Issues): number | undefined => {
  const value = text(form, name);
  if (value === undefined) return undefined;
  const bps = scaleDecimal(value, 2);
  if (bps === undefined) issues.push({ path: pathOf(name), message: 'Enter a percentage such as 12.5 (at most two decimals).' });
  return bps;
};

/** An amount as entered in the currency's units (12.50 USD, 1500 JPY) in minor units (1250, 1500). */
export const amountToMinor = (form: Form, name: string, currency: string | undefined, issues: Issues): number | undefined => {
  const value = text(form, name);
  if (value === undefined) return undefined;
  const digits = minorUnitDigits(currency ?? 'usd');
  const amount = scaleDecimal(value, digits);
  if (amount === undefined)
    issues.push({ path: pathOf(name), message: digits === 0 ? 'Enter a whole amount (this currency has no decimals).' : `Enter an amount such as 12.50 (at most ${digits} decimals).` });
  return amount;
};

/** Minor units back to the text a form shows: 1250 USD → "12.50". */
export const minorToAmount = (amount: number, currency: string): string => {
  const digits = minorUnitDigits(currency);
  return digits === 0 ? String(amount) : (amount / 10 ** digits).toFixed(digits);
};

/** Basis points back to a percentage: 1250 → "12.5". */
export const bpsToPercent = (bps: number): string => String(bps / 100);

/** A comma-separated list ("prod_a, prod_b"), also taking spaces or new lines between items. */
export const list = (form: Form, name: string): string[] =>
  (form[name] ?? '')
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);

const overlaps = (a: readonly (string | number)[], b: readonly (string | number)[]) =>
  a.slice(0, Math.min(a.length, b.length)).every((part, index) => String(part) === String(b[index]));

const valueAt = (input: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>((value, part) => (value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[part] : undefined), input);

/** A schema's issues as a form shows them: under `prefix`, and a missing required field reads "Required.". */
const issuesOf = (error: z.ZodError, input: unknown, prefix: string[] = []): Issues =>
  error.issues.map((issue) => {
    const path = [...prefix, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))];
    const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
    return { path, message: missing ? 'Required.' : issue.message };
  });

/**
 * Checks converted input against the domain's schema: what could not be converted, then the
 * schema's issues about the other fields. Throws a ValidationError carrying them all, as the
 * domain itself would.
 */
export const validated = <S extends z.ZodType>(schema: S, input: unknown, issues: Issues = []): z.output<S> => {
  const parsed = schema.safeParse(input);
  const schemaIssues = parsed.success ? [] : issuesOf(parsed.error, input).filter((issue) => !issues.some((known) => overlaps(known.path, issue.path)));
  if (issues.length > 0 || !parsed.success) throw new ValidationError('Some fields need fixing.', [...issues, ...schemaIssues]);
  return parsed.data;
};

/**
 * Checks one part of the input against its own schema (one member of a union, whose refusal as a
 * whole would only say "Invalid input"), with its issues under `prefix`; a part that already has
 * an issue from its conversion is left as it is.
 */
export const checkPart = <S extends z.ZodType>(schema: S, value: unknown, prefix: string, issues: Issues): z.output<S> | undefined => {
  const path = pathOf(prefix);
  if (issues.some((known) => overlaps(known.path, path))) return undefined;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  issues.push(...issuesOf(parsed.error, value, path));
  return undefined;
};

/** A value the chosen option needs (a percentage for a percent discount): "Required." when it is missing. */
export const need = <T>(value: T | undefined, name: string, issues: Issues): T | undefined => {
  const path = pathOf(name);
  if (value === undefined && !issues.some((known) => overlaps(known.path, path))) issues.push({ path, message: 'Required.' });
  return value;
};

export type FieldErrors = Record<string, string>;

/**
 * A refused form's errors by field and its status, for the form to be shown again: validation
 * issues by their path, a conflict beside the field `conflicts` names for its type (or above the
 * form). Anything else is not the form's problem and is thrown on.
 */
export const formFailure = (error: unknown, conflicts: Record<string, string> = {}): { status: number; errors: FieldErrors } => {
  if (error instanceof ValidationError) {
    const errors = fieldErrors(error.issues);
    return { status: 400, errors: Object.keys(errors).length > 0 ? errors : { _form: error.message } };
  }
  if (error instanceof ConflictError) return { status: 409, errors: { [conflicts[error.type] ?? '_form']: error.message } };
  throw error;
};

/** The error of a field, or of a part of it (`lineItemSkus.2` shows at `lineItemSkus`). */
export const errorFor = (errors: FieldErrors, name: string): string | undefined =>
  errors[name] ?? Object.entries(errors).find(([path]) => path.startsWith(`${name}.`))?.[1];

/** Above a refused form: what went wrong as a whole, or that fields below say what to fix. */
export const formProblem = (errors: FieldErrors): Markup => {
  if (Object.keys(errors).length === 0) return null;
  return html`<p class="flash error" role="alert">${errors._form ?? 'Some fields need fixing; each says what is wrong below.'}</p>`;
};

/** A page with a status other than 200 (a refused form is a 400 or 409). */
export const withStatus = (page: VNode, statusCode: number): HttpResult => ({ statusCode, headers: pageHeaders, body: renderDocument(page) });

/** The message of a `?flash=` code a redirect after an action left, from the page's own list. */
export const flashOf = (query: Record<string, string>, messages: Record<string, string>): { kind: 'ok'; text: string } | undefined => {
  const message = query.flash ? messages[query.flash] : undefined;
  return message ? { kind: 'ok', text: message } : undefined;
};

/** A viewer sees every page, without the forms that would change something. */
export const canChange = (session: Session): boolean => session.area === 'console' && session.role !== 'viewer';

export const viewerNote: Markup = html`<p class="muted">You are a viewer: you can look at everything here but change nothing.</p>`;

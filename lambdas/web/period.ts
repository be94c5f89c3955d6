import { ValidationError } from '../core/errors';
import { type Period, periodInput, periodOf } from '../stats/period';
import { zodIssues } from '../core/validation';
import { fieldErrors } from './format';

/**
 * The period a page shows, from its `?from&to` (the stats' rules: UTC days, 30 days by default,
 * at most 366); a bad one shows the default period with the errors beside the fields.
 */
export const periodFromQuery = (query: Record<string, string>, now: Date): { period: Period; errors: Record<string, string>; valid: boolean } => {
  const input = periodInput.safeParse({ from: query.from || undefined, to: query.to || undefined });
  if (!input.success) {
    const errors = fieldErrors(zodIssues(input.error));
    return { period: periodOf({}, now), errors, valid: false };
  }
  try {
    return { period: periodOf(input.data, now), errors: {}, valid: true };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { period: periodOf({}, now), errors: fieldErrors(error.issues), valid: false };
  }
};

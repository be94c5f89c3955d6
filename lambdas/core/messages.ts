import type * as z from 'zod';
import { ValidationError } from './errors';
import { zodIssues } from './validation';

/**
 * A queue message's body read by its schema. One that cannot be read is a bug no retry fixes: the
 * error is thrown with what was wrong, so the message reaches its dead-letter queue after its receives.
 */
export const readMessage = <S extends z.ZodType>(body: string, schema: S, what: string): z.infer<S> => {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ValidationError(`Not a ${what} message.`, zodIssues(parsed.error));
  return parsed.data;
};

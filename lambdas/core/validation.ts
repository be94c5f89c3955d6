import type { ZodError } from 'zod';
import type { ErrorIssue } from './errors';

export const zodIssues = (error: ZodError): ErrorIssue[] =>
  error.issues.map((issue) => ({
    path: issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)),
    message: issue.message,
  }));

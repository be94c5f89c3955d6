import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';

const ulid = monotonicFactory();

/** Opaque, time-ordered IDs (`aff_01J…`): lists sorted by ID are sorted by creation. */
export const newId = (prefix: string): string => `${prefix}_${ulid().toLowerCase()}`;

/** Unguessable bearer-style secret, e.g. an API key. */
export const newSecret = (prefix: string, bytes = 24): string =>
  `${prefix}_${randomBytes(bytes).toString('base64url')}`;

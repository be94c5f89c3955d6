import { stripeError, type ApiError } from './errors';

const TTL_SECONDS = 24 * 60 * 60;

export interface SavedResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
  requestId: string;
}

interface Entry {
  endpoint: string;
  fingerprint: string;
  savedAt: number;
  response: SavedResponse;
}

export type IdempotencyLookup = { kind: 'new' } | { kind: 'replay'; response: SavedResponse } | { kind: 'conflict'; error: ApiError };

/**
 * Idempotency keys per account and mode, kept 24 hours like Stripe's. A key replays the saved
 * response for the same endpoint and parameters, and refuses anything else.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  lookup(scope: string, key: string, endpoint: string, fingerprint: string, now: number): IdempotencyLookup {
    const entry = this.entries.get(`${scope}:${key}`);
    if (!entry || now - entry.savedAt >= TTL_SECONDS) return { kind: 'new' };
    if (entry.endpoint !== endpoint) {
      return {
        kind: 'conflict',
        error: stripeError(400, {
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${entry.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
        }),
      };
    }
    if (entry.fingerprint !== fingerprint) {
      return {
        kind: 'conflict',
        error: stripeError(400, {
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        }),
      };
    }
    return { kind: 'replay', response: entry.response };
  }

  save(scope: string, key: string, endpoint: string, fingerprint: string, now: number, response: SavedResponse): void {
    this.entries.set(`${scope}:${key}`, { endpoint, fingerprint, savedAt: now, response });
    if (this.entries.size % 1_000 === 0) this.sweep(now);
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.entries) if (now - entry.savedAt >= TTL_SECONDS) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Parameters compared independently of their order on the wire. */
export function fingerprintOf(params: unknown): string {
  return JSON.stringify(params, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
}

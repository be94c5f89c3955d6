import type { Mode } from './defaults';
import type { FaultKind } from './faults';

export interface RequestLogEntry {
  seq: number;
  at: string;
  method: string;
  path: string;
  /** The account acted on: a connected account's id, or the platform's own id. Null when the key was refused. */
  account: string | null;
  mode: Mode | null;
  /** Null when no response was sent (a dropped socket). */
  status: number | null;
  requestId: string;
  idempotencyKey: string | null;
  replayed?: true;
  faulted?: FaultKind;
}

export interface RequestLogFilter {
  account?: string;
  method?: string;
  path?: string;
  pathPrefix?: string;
  mode?: Mode;
  status?: number;
  faulted?: FaultKind | 'any' | 'none';
  sinceSeq?: number;
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;

  record(entry: Omit<RequestLogEntry, 'seq' | 'at'>): RequestLogEntry {
    const recorded = { seq: ++this.seq, at: new Date().toISOString(), ...entry };
    this.entries.push(recorded);
    return recorded;
  }

  query(filter: RequestLogFilter = {}): RequestLogEntry[] {
    return this.entries.filter(
      (entry) =>
        (filter.account === undefined || entry.account === filter.account) &&
        (filter.method === undefined || entry.method === filter.method.toUpperCase()) &&
        (filter.path === undefined || entry.path === filter.path) &&
        (filter.pathPrefix === undefined || entry.path.startsWith(filter.pathPrefix)) &&
        (filter.mode === undefined || entry.mode === filter.mode) &&
        (filter.status === undefined || entry.status === filter.status) &&
        (filter.sinceSeq === undefined || entry.seq > filter.sinceSeq) &&
        matchesFault(entry, filter.faulted),
    );
  }

  clear(): void {
    this.entries = [];
  }
}

function matchesFault(entry: RequestLogEntry, faulted: RequestLogFilter['faulted']): boolean {
  if (faulted === undefined) return true;
  if (faulted === 'any') return entry.faulted !== undefined;
  if (faulted === 'none') return entry.faulted === undefined;
  return entry.faulted === faulted;
}

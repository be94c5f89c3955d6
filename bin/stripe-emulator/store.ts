import type { Mode } from './defaults';

/** Where an object lives: one mode of one account (the platform's own id for the platform). */
export interface Scope {
  mode: Mode;
  account: string;
}

export const scopeKey = (scope: Scope) => `${scope.mode}:${scope.account}`;

export type IndexKey<T> = (object: T) => string | null | undefined;

export interface PageRequest<T> {
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
  /** Narrow the candidates to one value of a declared index before `filter` runs (e.g. `code` → 10,000 codes become 1). */
  index?: { name: string; value: string };
  filter?: (object: T) => boolean;
}

export interface Page<T> {
  data: T[];
  hasMore: boolean;
}

export class UnknownCursorError extends Error {
  constructor(
    readonly id: string,
    readonly param: 'starting_after' | 'ending_before',
  ) {
    super(`unknown cursor ${id}`);
  }
}

/**
 * One object type in one scope, newest-first like Stripe's lists. Objects keep their insertion
 * position, so `starting_after` pages are found without scanning what precedes the cursor, and
 * declared indexes answer equality filters without scanning the collection at all. Removed objects
 * stay resolvable (expansions of a deleted coupon, cursors pointing at it) but are never listed.
 */
export class Collection<T extends { id: string }> {
  private readonly order: string[] = [];
  private readonly positions = new Map<string, number>();
  private readonly live = new Map<string, T>();
  private readonly removed = new Map<string, T>();
  private readonly indexes = new Map<string, { key: IndexKey<T>; entries: Map<string, Set<string>> }>();

  constructor(indexes: Record<string, IndexKey<T>> = {}) {
    for (const [name, key] of Object.entries(indexes)) this.indexes.set(name, { key, entries: new Map() });
  }

  get(id: string): T | undefined {
    return this.live.get(id);
  }

  getIncludingRemoved(id: string): T | undefined {
    return this.live.get(id) ?? this.removed.get(id);
  }

  /** Live objects whose index value equals `value`, oldest first. */
  lookup(indexName: string, value: string): T[] {
    return this.indexedPositions(indexName, value)
      .reverse()
      .map((position) => this.live.get(this.order[position] as string) as T);
  }

  insert(object: T): T {
    this.removed.delete(object.id);
    this.positions.set(object.id, this.order.length);
    this.order.push(object.id);
    this.live.set(object.id, object);
    this.addToIndexes(object);
    return object;
  }

  replace(object: T): T {
    const previous = this.live.get(object.id);
    if (!previous) throw new Error(`replace of a missing object ${object.id}`);
    this.removeFromIndexes(previous);
    this.live.set(object.id, object);
    this.addToIndexes(object);
    return object;
  }

  remove(id: string): T | undefined {
    const object = this.live.get(id);
    if (!object) return undefined;
    this.removeFromIndexes(object);
    this.live.delete(id);
    this.removed.set(id, object);
    return object;
  }

  *all(): IterableIterator<T> {
    yield* this.live.values();
  }

  page(request: PageRequest<T>): Page<T> {
    const { limit, filter } = request;
    const positions = request.index ? this.indexedPositions(request.index.name, request.index.value) : null;
    const candidates = (from: number, step: 1 | -1) => this.walk(positions, from, step);
    const collected: T[] = [];
    if (request.endingBefore !== undefined) {
      const anchor = this.cursor(request.endingBefore, 'ending_before');
      for (const object of candidates(anchor, 1)) {
        if (filter && !filter(object)) continue;
        collected.push(object);
        if (collected.length > limit) break;
      }
      const hasMore = collected.length > limit;
      return { data: collected.slice(0, limit).reverse(), hasMore };
    }
    const anchor = request.startingAfter !== undefined ? this.cursor(request.startingAfter, 'starting_after') : this.order.length;
    for (const object of candidates(anchor, -1)) {
      if (filter && !filter(object)) continue;
      collected.push(object);
      if (collected.length > limit) break;
    }
    return { data: collected.slice(0, limit), hasMore: collected.length > limit };
  }

  private cursor(id: string, param: 'starting_after' | 'ending_before'): number {
    const position = this.positions.get(id);
    if (position === undefined) throw new UnknownCursorError(id, param);
    return position;
  }

  /** Live objects strictly after (`step` 1) or before (`step` -1) position `from`. */
  private *walk(positions: number[] | null, from: number, step: 1 | -1): IterableIterator<T> {
    if (positions) {
      // `positions` is sorted newest first (descending).
      const ordered = step === -1 ? positions : [...positions].reverse();
      for (const position of ordered) {
        if (step === -1 ? position < from : position > from) {
          const object = this.objectAt(position);
          if (object) yield object;
        }
      }
      return;
    }
    for (let position = from + step; position >= 0 && position < this.order.length; position += step) {
      const object = this.objectAt(position);
      if (object) yield object;
    }
  }

  private objectAt(position: number): T | undefined {
    const id = this.order[position] as string;
    // A re-created id (a coupon deleted, then made again) leaves its old slot behind: skip that slot.
    return this.positions.get(id) === position ? this.live.get(id) : undefined;
  }

  private indexedPositions(name: string, value: string): number[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`no index ${name}`);
    const ids = index.entries.get(value) ?? new Set<string>();
    return [...ids].map((id) => this.positions.get(id) as number).sort((a, b) => b - a);
  }

  private addToIndexes(object: T): void {
    for (const { key, entries } of this.indexes.values()) {
      const value = key(object);
      if (value === null || value === undefined) continue;
      let ids = entries.get(value);
      if (!ids) entries.set(value, (ids = new Set()));
      ids.add(object.id);
    }
  }

  private removeFromIndexes(object: T): void {
    for (const { key, entries } of this.indexes.values()) {
      const value = key(object);
      if (value === null || value === undefined) continue;
      const ids = entries.get(value);
      ids?.delete(object.id);
      if (ids?.size === 0) entries.delete(value);
    }
  }
}

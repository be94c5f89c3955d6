import { invalidParam, parameterMissing, parameterUnknown } from './errors';

/**
 * Stripe's form encoding: `a[b][c]=x`, arrays as `a[0]=x` (what stripe-node sends) or `a[]=x` (curl),
 * an empty value meaning "unset".
 */
export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0 || !key.endsWith(']')) return [key];
  const segments = [key.slice(0, open)];
  for (const match of key.slice(open).matchAll(/\[([^\]]*)\]/g)) segments.push(match[1] ?? '');
  return segments;
}

function isIndex(key: string): boolean {
  return /^(0|[1-9]\d*)$/.test(key);
}

function toArrays(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  for (const key of keys) value[key] = toArrays(value[key] as FormValue);
  if (keys.length === 0 || !keys.every(isIndex)) return value;
  return keys.sort((a, b) => Number(a) - Number(b)).map((key) => value[key] as FormValue);
}

export function parseForm(encoded: string): FormObject {
  const root: FormObject = Object.create(null);
  for (const [rawKey, value] of new URLSearchParams(encoded)) {
    const segments = splitKey(rawKey);
    let node: FormObject = root;
    segments.forEach((segment, i) => {
      // `a[]` appends: the next free index among the keys seen so far.
      const key = segment === '' ? String(Object.keys(node).length) : segment;
      if (i === segments.length - 1) {
        node[key] = value;
        return;
      }
      const child = node[key];
      if (child === undefined || typeof child === 'string' || Array.isArray(child)) {
        const created: FormObject = Object.create(null);
        node[key] = created;
        node = created;
      } else {
        node = child;
      }
    });
  }
  return toArrays(root) as FormObject;
}

export interface MetadataUpdate {
  /** `metadata=` unsets every key before `set` is applied. */
  clear: boolean;
  set: Record<string, string>;
  unset: string[];
}

export interface RangeFilter {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

const MAX_TIMESTAMP_YEARS = 5;

/**
 * Reads a request's parameters by name and type, refusing them as Stripe does (`param` set, wording
 * kept). Every key must be read: `done()` rejects the first one nobody asked for as unknown, which is
 * how Stripe answers a parameter an endpoint does not take.
 */
export class Params {
  private readonly read = new Set<string>();
  private readonly children = new Map<string, Params>();

  constructor(
    private readonly values: FormObject,
    private readonly prefix = '',
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** The full name of a parameter as error messages give it, e.g. `line_items[0][price]`. */
  name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  private take(key: string): FormValue | undefined {
    this.read.add(key);
    return this.values[key];
  }

  keys(): string[] {
    return Object.keys(this.values);
  }

  string(key: string, opts: { required?: boolean; maxLength?: number; allowEmpty?: boolean } = {}): string | undefined {
    const value = this.take(key);
    if (value === undefined) {
      if (opts.required) throw parameterMissing(this.name(key));
      return undefined;
    }
    if (typeof value !== 'string') throw invalidParam(`Invalid string: ${JSON.stringify(value)}`, this.name(key));
    if (value === '' && !opts.allowEmpty) {
      const name = this.name(key);
      throw invalidParam(
        `You passed an empty string for '${name}'. We assume empty values are an attempt to unset a parameter; however '${name}' cannot be unset. You should remove '${name}' from your request or supply a non-empty value.`,
        name,
        'parameter_invalid_empty',
      );
    }
    if (opts.maxLength !== undefined && value.length > opts.maxLength) {
      throw invalidParam(`Invalid ${this.name(key)}: must be at most ${opts.maxLength} characters`, this.name(key));
    }
    return value;
  }

  integer(key: string, opts: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const raw = this.string(key, { required: opts.required });
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw)) throw invalidParam(`Invalid integer: ${raw}`, this.name(key), 'parameter_invalid_integer');
    const value = Number(raw);
    if (opts.min !== undefined && value < opts.min) {
      throw invalidParam(`This value must be greater than or equal to ${opts.min}.`, this.name(key));
    }
    if (opts.max !== undefined && value > opts.max) {
      throw invalidParam(`This value must be less than or equal to ${opts.max}.`, this.name(key));
    }
    return value;
  }

  decimal(key: string): number | undefined {
    const raw = this.string(key);
    if (raw === undefined) return undefined;
    if (!/^-?(\d+\.?\d*|\.\d+)$/.test(raw)) throw invalidParam(`Invalid decimal: ${raw}`, this.name(key));
    return Number(raw);
  }

  boolean(key: string): boolean | undefined {
    const raw = this.string(key);
    if (raw === undefined) return undefined;
    if (raw !== 'true' && raw !== 'false') throw invalidParam(`Invalid boolean: ${raw}`, this.name(key));
    return raw === 'true';
  }

  enumeration<T extends string>(key: string, allowed: readonly T[], opts: { required?: boolean } = {}): T | undefined {
    const raw = this.string(key, opts);
    if (raw === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(raw)) {
      const list = allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')}, or ${allowed.at(-1)}` : allowed.join('');
      throw invalidParam(`Invalid ${this.name(key)}: must be one of ${list}`, this.name(key));
    }
    return raw as T;
  }

  /** A Unix timestamp in the future and at most five years ahead, as Stripe requires of `expires_at`/`redeem_by`. */
  futureTimestamp(key: string): number | undefined {
    const value = this.integer(key);
    if (value === undefined) return undefined;
    const now = this.nowSeconds();
    if (value <= now) {
      throw invalidParam(
        `Invalid timestamp: must be an integer Unix timestamp in the future. You specified the value \`${value}\` which is in the past.`,
        this.name(key),
      );
    }
    if (value > now + MAX_TIMESTAMP_YEARS * 366 * 86_400) {
      throw invalidParam('Invalid timestamp: can be no more than five years in the future.', this.name(key));
    }
    return value;
  }

  stringArray(key: string): string[] | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    if (value === '') return [];
    if (typeof value === 'string') return [value];
    if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
      throw invalidParam(`Invalid array`, this.name(key));
    }
    return value;
  }

  /** A nested hash (`promotion[coupon]=…`), read with its own `Params` whose unread keys also count as unknown. */
  object(key: string, opts: { required?: boolean } = {}): Params | undefined {
    const value = this.take(key);
    if (value === undefined) {
      if (opts.required) throw parameterMissing(this.name(key));
      return undefined;
    }
    if (typeof value === 'string' || Array.isArray(value)) throw invalidParam(`Invalid object`, this.name(key));
    const child = new Params(value, this.name(key), this.nowSeconds);
    this.children.set(key, child);
    return child;
  }

  /** An array of hashes (`line_items[0][price]=…`), each read with its own `Params`. */
  objectArray(key: string): Params[] | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    if (value === '') return [];
    if (!Array.isArray(value)) throw invalidParam('Invalid array', this.name(key));
    return value.map((item, i) => {
      const name = `${this.name(key)}[${i}]`;
      if (typeof item === 'string' || Array.isArray(item)) throw invalidParam('Invalid object', name);
      const child = new Params(item, name, this.nowSeconds);
      this.children.set(`${key}[${i}]`, child);
      return child;
    });
  }

  metadata(key = 'metadata'): MetadataUpdate | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    if (value === '') return { clear: true, set: {}, unset: [] };
    if (typeof value === 'string') throw invalidParam('Invalid object', this.name(key));
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    const update: MetadataUpdate = { clear: false, set: {}, unset: [] };
    for (const [metaKey, metaValue] of entries) {
      const param = `${this.name(key)}[${metaKey}]`;
      if (typeof metaValue !== 'string') throw invalidParam('Invalid string', param);
      if (metaKey.length > 40) throw invalidParam('Metadata keys can have a maximum length of 40 characters.', param);
      if (metaValue.length > 500) throw invalidParam('Metadata values can have a maximum length of 500 characters.', param);
      if (metaValue === '') update.unset.push(metaKey);
      else update.set[metaKey] = metaValue;
    }
    return update;
  }

  /** `created=123` or `created[gte]=…`, the range filter list endpoints take. */
  range(key: string): RangeFilter | undefined {
    if (typeof this.values[key] === 'string') {
      const exact = this.integer(key);
      return exact === undefined ? undefined : { gte: exact, lte: exact };
    }
    const bounds = this.object(key);
    if (!bounds) return undefined;
    const filter: RangeFilter = {};
    for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
      const value = bounds.integer(bound);
      if (value !== undefined) filter[bound] = value;
    }
    return filter;
  }

  /** Refuses the first top-level key not in `accepted`, before anything else is validated. */
  acceptOnly(accepted: readonly string[]): void {
    for (const key of Object.keys(this.values)) {
      if (!accepted.includes(key)) throw parameterUnknown(this.name(key));
    }
  }

  done(): void {
    for (const key of Object.keys(this.values)) {
      if (!this.read.has(key)) throw parameterUnknown(this.name(key));
    }
    for (const child of this.children.values()) child.done();
  }
}

export function applyMetadata(current: Record<string, string>, update: MetadataUpdate | undefined): Record<string, string> {
  if (!update) return current;
  const next: Record<string, string> = update.clear ? {} : { ...current };
  for (const key of update.unset) delete next[key];
  Object.assign(next, update.set);
  if (Object.keys(next).length > 50) {
    throw invalidParam('You can specify up to 50 metadata keys.', 'metadata');
  }
  return next;
}

export function inRange(value: number, filter: RangeFilter | undefined): boolean {
  if (!filter) return true;
  return (
    (filter.gt === undefined || value > filter.gt) &&
    (filter.gte === undefined || value >= filter.gte) &&
    (filter.lt === undefined || value < filter.lt) &&
    (filter.lte === undefined || value <= filter.lte)
  );
}

import { invalidParam } from './errors';
import { expandableFields } from './object-types';
import type { EmulatorState } from './state';
import type { Scope } from './store';

/** What an endpoint returns, for checking `expand[]` before the request has any effect. */
export interface ResponseShape {
  type: string;
  list?: boolean;
}

/** Where an includable field is computed: the account and mode of the request. */
export interface IncludeScope {
  state: EmulatorState;
  scope: Scope;
}

/**
 * A field Stripe leaves out of an object unless `expand[]` names it (`line_items` of a Checkout
 * Session, `payments` of an invoice): computed from the owner when asked for.
 */
export interface Includable {
  /** The object type the field holds, or of its list's items. */
  type: string;
  list?: boolean;
  compute(owner: object, at: IncludeScope): object;
}

/** Includable fields by owner type, then by path inside the owner (`total_details.breakdown`). */
export type IncludableFields = Record<string, Record<string, Includable>>;

/** An includable field of objects of type `T`, typed for its module and stored untyped in the registry. */
export function includable<T>(spec: { type: string; list?: boolean; compute(owner: T, at: IncludeScope): object }): Includable {
  return spec as Includable;
}

export interface Expansion {
  includables: IncludableFields;
  find(type: string, id: string): object | undefined;
  at: IncludeScope;
}

const fieldsOf = (type: string): Record<string, string> => expandableFields[type] ?? {};

function isPrefix(includables: IncludableFields, type: string, fieldPath: string): boolean {
  const fields = [...Object.keys(fieldsOf(type)), ...Object.keys(includables[type] ?? {})];
  return fields.some((field) => field.startsWith(`${fieldPath}.`));
}

/**
 * Refuses, as Stripe does, an `expand[]` path that does not lead through expandable fields: into lists
 * through `data`, into embedded hashes (`promotion`), through includable fields (`line_items`), and on
 * through each expanded object, whose own expandable fields then apply (`data.promotion.coupon`).
 */
export function checkExpandPaths(shape: ResponseShape | undefined, paths: string[], includables: IncludableFields): void {
  for (const path of paths) {
    const segments = path.split('.');
    if (!shape || (shape.list && segments.shift() !== 'data')) refuse(path);
    let type = shape.type;
    let prefix = '';
    for (let i = 0; i < segments.length; i += 1) {
      const fieldPath = prefix ? `${prefix}.${segments[i]}` : (segments[i] as string);
      const target = fieldsOf(type)[fieldPath];
      const included = includables[type]?.[fieldPath];
      if (target) {
        type = target;
        prefix = '';
      } else if (included) {
        type = included.type;
        prefix = '';
        if (included.list && i + 1 < segments.length) {
          i += 1;
          if (segments[i] !== 'data') refuse(path);
        }
      } else if (isPrefix(includables, type, fieldPath)) {
        // An embedded hash: expanding it alone is an accepted no-op.
        prefix = fieldPath;
      } else {
        refuse(path);
      }
    }
  }
}

function refuse(path: string): never {
  throw invalidParam(`This property cannot be expanded (${path}).`, 'expand');
}

type Json = Record<string, unknown>;
const isJsonObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Replaces ids by the objects they name, and adds includable fields, along paths already checked by `checkExpandPaths`. */
export function expandResponse(response: object, paths: string[], expansion: Expansion): void {
  for (const path of paths) expandAlong(response, path.split('.'), expansion, { type: '', object: null }, '');
}

interface Owner {
  type: string;
  object: Json | null;
}

function expandAlong(value: unknown, segments: string[], expansion: Expansion, owner: Owner, prefix: string): void {
  if (Array.isArray(value)) {
    for (const item of value) expandAlong(item, segments, expansion, owner, prefix);
    return;
  }
  const [segment, ...rest] = segments;
  if (!isJsonObject(value) || segment === undefined) return;
  // Objects that name their type (`object: 'coupon'`) start a new field namespace; embedded hashes do not.
  const current: Owner = !prefix && typeof value.object === 'string' ? { type: value.object, object: value } : owner;
  const fieldPath = prefix ? `${prefix}.${segment}` : segment;
  const target = fieldsOf(current.type)[fieldPath];
  const included = expansion.includables[current.type]?.[fieldPath];
  if (included) {
    if (value[segment] === undefined && current.object) value[segment] = included.compute(current.object, expansion.at);
    expandAlong(value[segment], rest, expansion, { type: included.type, object: null }, '');
    return;
  }
  if (!target) {
    if (current.type === 'list') expandAlong(value[segment], rest, expansion, { type: '', object: null }, '');
    else expandAlong(value[segment], rest, expansion, current, fieldPath);
    return;
  }
  const resolve = (id: unknown) => (typeof id === 'string' ? (structuredClone(expansion.find(target, id)) ?? id) : id);
  const field = value[segment];
  value[segment] = Array.isArray(field) ? field.map(resolve) : resolve(field);
  expandAlong(value[segment], rest, expansion, { type: target, object: null }, '');
}

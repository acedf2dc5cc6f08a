/**
 * Checks a located YAML tree against the TypeBox schema, fills defaults and
 * reports every problem with its position. Written for our schema's handful
 * of shapes rather than delegating to a generic JSON-Schema validator, whose
 * messages ("must match pattern …") would not tell an admin what to write.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { runCheck, type CheckName } from './checks.js';
import { formatPath, type PathSegment, type Pos, type Problems } from './errors.js';
import { closest } from './suggest.js';
import type { MapNode, TreeNode } from './yaml-tree.js';

export interface ValidateContext {
  problems: Problems;
  /** Where each key path was written (absent keys: their nearest written parent). */
  positions: Map<string, Pos>;
  /** Every key name in the root schema → its full paths, to point at misplaced keys. */
  keyIndex: Map<string, string[]>;
}

type S = TSchema & Record<string, unknown>;

const kindOf = (s: TSchema): string => (s as unknown as Record<symbol, string>)[Kind] ?? '';
/** A schema keyword, typed by the caller (TSchema itself is too loose to index). */
const kw = <T>(s: TSchema, key: string): T => (s as unknown as Record<string, unknown>)[key] as T;
const hasDefault = (s: TSchema): boolean => 'default' in s;
const clone = <T>(v: T): T => structuredClone(v);

export function indexKeys(schema: TSchema, prefix = '', index = new Map<string, string[]>()): Map<string, string[]> {
  const props = kw<Record<string, TSchema> | undefined>(schema, 'properties');
  for (const [key, child] of Object.entries(props ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    index.set(key, [...(index.get(key) ?? []), path]);
    indexKeys(child, path, index);
  }
  return index;
}

export function validate(schema: TSchema, node: TreeNode | undefined, path: PathSegment[], parentPos: Pos, ctx: ValidateContext): unknown {
  const at = formatPath(path);
  ctx.positions.set(at, node?.pos ?? parentPos);
  const kind = kindOf(schema);
  const isNull = node?.kind === 'scalar' && node.value === null;
  if (node === undefined || (isNull && (kind === 'Object' || kind === 'Array' || kind === 'Record'))) {
    // An absent or empty section (`server:` with everything commented out) means "all defaults".
    if (kind === 'Object' && (hasDefault(schema) || node)) return validateObject(schema, undefined, path, node?.pos ?? parentPos, ctx);
    if (node && kind === 'Array') return [];
    if (node && kind === 'Record') return {};
    if (hasDefault(schema)) return clone((schema as S).default);
    ctx.problems.add(parentPos, at, 'missing required key');
    return undefined;
  }
  // Already reported (an unset ${VAR}); checking what is left would only add noise.
  if (node.kind === 'scalar' && node.broken) return defaultsOf(schema);
  switch (kind) {
    case 'Object':
      return validateObject(schema, node, path, node.pos, ctx);
    case 'Record':
      return validateRecord(schema, node, path, ctx);
    case 'Array':
      return validateArray(schema, node, path, ctx);
    case 'Union':
      return validateUnion(schema, node, path, ctx);
    default:
      return validateScalar(schema, node, path, ctx);
  }
}

/**
 * The value a schema stands for when nothing valid was written: defaults all
 * the way down, so cross-key checks after a reported mistake still see a
 * complete shape instead of crashing or adding follow-up noise.
 */
function defaultsOf(schema: TSchema): unknown {
  if (!hasDefault(schema)) return undefined;
  if (kindOf(schema) !== 'Object') return clone((schema as S).default);
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(kw<Record<string, TSchema>>(schema, 'properties'))) out[key] = defaultsOf(child);
  return out;
}

function fail(schema: TSchema, node: TreeNode, path: PathSegment[], ctx: ValidateContext, message: string): unknown {
  ctx.problems.add(node.pos, formatPath(path), message);
  return defaultsOf(schema);
}

/** How a value reads in a message; secrets are described, never shown. */
function describe(node: TreeNode, secret: boolean): string {
  if (node.kind === 'seq') return 'a list';
  if (node.kind === 'map') return 'a mapping';
  const v = node.value;
  if (v === null) return 'an empty value';
  if (secret) return `a ${typeof v}`;
  if (typeof v !== 'string') return String(v);
  return v.length > 60 ? `'${v.slice(0, 57)}...'` : `'${v}'`;
}

function validateObject(schema: TSchema, node: TreeNode | undefined, path: PathSegment[], pos: Pos, ctx: ValidateContext): unknown {
  if (node && node.kind !== 'map') return fail(schema, node, path, ctx, `expected a mapping of keys, got ${describe(node, false)}`);
  const props = kw<Record<string, TSchema>>(schema, 'properties');
  const out: Record<string, unknown> = {};
  for (const entry of node?.entries ?? []) {
    // hasOwn: keys such as `constructor` or `__proto__` must not reach Object.prototype.
    const child = Object.hasOwn(props, entry.key) ? props[entry.key] : undefined;
    if (child) out[entry.key] = validate(child, entry.value, [...path, entry.key], pos, ctx);
    else unknownKey(Object.keys(props), entry.key, entry.keyPos, path, ctx);
  }
  for (const [key, child] of Object.entries(props)) {
    if (!Object.hasOwn(out, key)) out[key] = validate(child, undefined, [...path, key], pos, ctx);
  }
  return out;
}

function unknownKey(known: string[], key: string, keyPos: Pos, path: PathSegment[], ctx: ValidateContext): void {
  const near = closest(key, known);
  // A key written in the wrong section (`trustedIps` at the top) is found by its exact name.
  const here = formatPath([...path, key]);
  const elsewhere = (ctx.keyIndex.get(key) ?? []).filter((p) => p !== here);
  let hint: string;
  if (near !== undefined) hint = `; did you mean '${near}'?`;
  else if (elsewhere.length > 0) hint = `; did you mean '${elsewhere.join("' or '")}'?`;
  else hint = `; expected one of: ${known.join(', ')}`;
  ctx.problems.add(keyPos, formatPath([...path, key]), `unknown key${hint}`);
}

function validateRecord(schema: TSchema, node: TreeNode, path: PathSegment[], ctx: ValidateContext): unknown {
  if (node.kind !== 'map') return fail(schema, node, path, ctx, `expected a mapping, got ${describe(node, false)}`);
  const values = Object.values(kw<Record<string, TSchema>>(schema, 'patternProperties'))[0]!;
  const keyCheck = (schema as S)['x-keyCheck'] as CheckName | undefined;
  const out: Record<string, unknown> = {};
  for (const entry of node.entries) {
    const childPath = [...path, entry.key];
    const bad = keyCheck ? runCheck(keyCheck, entry.key) : null;
    if (bad) ctx.problems.add(entry.keyPos, formatPath(childPath), bad);
    else {
      const value = validate(values, entry.value, childPath, node.pos, ctx);
      // defineProperty: a text key named `__proto__` must stay a key, not replace the prototype.
      Object.defineProperty(out, entry.key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}

function validateArray(schema: TSchema, node: TreeNode, path: PathSegment[], ctx: ValidateContext): unknown {
  if (node.kind !== 'seq') {
    const example = node.kind === 'scalar' && typeof node.value === 'string' ? `; write [${node.value}] or one '- item' per line` : '';
    return fail(schema, node, path, ctx, `expected a list, got ${describe(node, false)}${example}`);
  }
  const items = kw<TSchema>(schema, 'items');
  return node.items.map((child, i) => validate(items, child, [...path, i], node.pos, ctx));
}

function validateUnion(schema: TSchema, node: TreeNode, path: PathSegment[], ctx: ValidateContext): unknown {
  const members = kw<TSchema[]>(schema, 'anyOf');
  const nonNull = members.filter((m) => kindOf(m) !== 'Null');
  const value = node.kind === 'scalar' ? node.value : undefined;
  // `''` (typically `${VAR:-}`) is how an environment variable says "not set".
  if (nonNull.length < members.length && (value === null || value === '')) return null;
  if (nonNull.every((m) => kindOf(m) === 'Literal')) return validateEnum(schema, nonNull, node, path, ctx);
  if (nonNull.length === 1) {
    const result = validate(nonNull[0]!, node, path, node.pos, ctx);
    return result === undefined ? defaultsOf(schema) : result;
  }
  return validateOneKey(schema, nonNull, node, path, ctx);
}

function validateEnum(schema: TSchema, options: TSchema[], node: TreeNode, path: PathSegment[], ctx: ValidateContext): unknown {
  const allowed = options.map((m) => kw<string | number>(m, 'const'));
  let value = node.kind === 'scalar' ? node.value : undefined;
  if (node.kind === 'scalar' && node.fromEnv && typeof value === 'string' && allowed.includes(Number(value))) value = Number(value);
  if (allowed.includes(value as string | number)) return value;
  const near = typeof value === 'string' ? closest(value, allowed.map(String)) : undefined;
  const hint = near !== undefined ? `; did you mean '${near}'?` : '';
  return fail(schema, node, path, ctx, `${describe(node, false)} is not one of: ${allowed.join(', ')}${hint}`);
}

/** `{ json: … } | { header: … } | { regex: … }`: exactly one key picks the form. */
function validateOneKey(schema: TSchema, options: TSchema[], node: TreeNode, path: PathSegment[], ctx: ValidateContext): unknown {
  const keyOf = (m: TSchema) => Object.keys(kw<object>(m, 'properties'))[0]!;
  const keys = options.map(keyOf);
  const forms = keys.map((k) => `{ ${k}: … }`).join(', ');
  if (node.kind !== 'map') return fail(schema, node, path, ctx, `expected one of ${forms}, got ${describe(node, false)}`);
  const known = node.entries.filter((e) => keys.includes(e.key));
  for (const e of node.entries) if (!keys.includes(e.key)) unknownKey(keys, e.key, e.keyPos, path, ctx);
  if (known.length > 1) return fail(schema, node, path, ctx, `use only one of ${keys.join(', ')}`);
  if (known.length === 0) {
    // Unknown keys were reported above; an empty mapping still needs saying.
    return node.entries.length === 0 ? fail(schema, node, path, ctx, `expected one of ${forms}`) : null;
  }
  const option = options[keys.indexOf(known[0]!.key)]!;
  return validateObject(option, { ...node, entries: known } as MapNode, path, node.pos, ctx);
}

function validateScalar(schema: TSchema, node: TreeNode, path: PathSegment[], ctx: ValidateContext): unknown {
  const s = schema as S;
  const kind = kindOf(schema);
  const secret = s['x-secret'] === true;
  const got = describe(node, secret);
  if (node.kind !== 'scalar') return fail(schema, node, path, ctx, `expected ${expected(s)}, got ${got}`);
  let v = node.value;
  // Values from ${VAR} are always text; let them fill numeric and boolean keys.
  if (node.fromEnv && typeof v === 'string') {
    if ((kind === 'Integer' || kind === 'Number') && /^-?\d+$/.test(v)) v = Number(v);
    else if (kind === 'Boolean' && (v === 'true' || v === 'false')) v = v === 'true';
  }
  if (kind === 'Boolean') return typeof v === 'boolean' ? v : fail(schema, node, path, ctx, `expected true or false, got ${got}`);
  if (kind === 'Integer' || kind === 'Number') {
    if (typeof v !== 'number' || (kind === 'Integer' && !Number.isInteger(v))) {
      return fail(schema, node, path, ctx, `expected ${expected(s)}, got ${got}`);
    }
    const { minimum, maximum } = s as { minimum?: number; maximum?: number };
    if (minimum !== undefined && v < minimum) return fail(schema, node, path, ctx, `must be at least ${minimum}, got ${v}`);
    if (maximum !== undefined && v > maximum) return fail(schema, node, path, ctx, `must be at most ${maximum}, got ${v}`);
    return v;
  }
  if (kind === 'String') return validateString(s, node.value, v, node, path, ctx);
  return fail(schema, node, path, ctx, `unsupported value ${got}`);
}

function validateString(s: S, raw: unknown, v: unknown, node: TreeNode, path: PathSegment[], ctx: ValidateContext): unknown {
  const check = s['x-check'] as CheckName | undefined;
  if (typeof v !== 'string') {
    if (check === 'duration' && typeof v === 'number') {
      return fail(s, node, path, ctx, `${v} has no unit; write e.g. ${v}s, ${v}m, ${v}h or ${v}d`);
    }
    // `listen: 8080` is better answered by the format's own message than by "quote it".
    const formatProblem = check && v !== null && typeof v !== 'object' ? runCheck(check, String(v)) : null;
    if (formatProblem) return fail(s, node, path, ctx, formatProblem);
    const secret = s['x-secret'] === true;
    const quote = !secret && (typeof raw === 'number' || typeof raw === 'boolean') ? `; put it in quotes: '${raw}'` : '';
    return fail(s, node, path, ctx, `expected ${expected(s)}, got ${describe(node, secret)}${quote}`);
  }
  if (v === '' && s['x-allowEmpty'] === true) return v;
  if (check) {
    const bad = runCheck(check, v, { allowZero: s['x-allowZero'] === true });
    if (bad) return fail(s, node, path, ctx, bad);
  }
  return v;
}

function expected(s: S): string {
  switch (kindOf(s)) {
    case 'Integer':
      return 'a whole number';
    case 'Number':
      return 'a number';
    case 'Boolean':
      return 'true or false';
    case 'String':
      return s['x-check'] === 'duration' ? 'a duration such as 30s or 15m' : 'a string';
    default:
      return 'a single value';
  }
}

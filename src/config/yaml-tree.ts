/**
 * YAML text → a small tree of values that remember where they were written.
 *
 * Validation works on this tree rather than on plain JS objects so every
 * problem can point at the line of the offending key or value. Environment
 * references are expanded here, once, so the validator sees final values.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { formatPath, type PathSegment, type Pos, type Problems, FILE_POS } from './errors.js';
import { interpolate, type Env } from './interpolate.js';

export type Scalar = string | number | boolean | null;

export interface ScalarNode {
  kind: 'scalar';
  value: Scalar;
  pos: Pos;
  /** The value came (at least partly) from `${…}`: it may be coerced to a number/boolean. */
  fromEnv: boolean;
  /** A `${…}` in it could not be expanded (already reported). */
  broken?: boolean;
}
export interface SeqNode {
  kind: 'seq';
  items: TreeNode[];
  pos: Pos;
}
export interface MapEntry {
  key: string;
  keyPos: Pos;
  value: TreeNode;
}
export interface MapNode {
  kind: 'map';
  entries: MapEntry[];
  pos: Pos;
}
export type TreeNode = ScalarNode | SeqNode | MapNode;

/** Aliases can fan out exponentially ("billion laughs"); a config never needs many. */
const MAX_ALIASES = 100;
const MAX_DEPTH = 64;

interface Reader {
  doc: Document;
  lines: LineCounter;
  problems: Problems;
  env: Env;
  aliases: number;
  active: Set<YamlNode>;
}

/**
 * Parses `text`; syntax errors are added to `problems` and yield `null` (a
 * half-parsed document would only produce misleading follow-up messages).
 * An empty document yields an empty map.
 */
export function readYaml(text: string, env: Env, problems: Problems): MapNode | TreeNode | null {
  const lines = new LineCounter();
  // uniqueKeys is off because we report duplicates ourselves, with the key path.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number): Pos => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  // The parser often explains one slip several ways on the same line; the first is the clearest.
  const lineSeen = new Set<number>();
  for (const e of doc.errors) {
    const pos = at(e.pos[0]);
    if (!lineSeen.has(pos.line)) problems.add(pos, '', `YAML syntax error: ${firstLine(e.message)}`);
    lineSeen.add(pos.line);
  }
  if (doc.errors.length > 0) return null;
  for (const w of doc.warnings) problems.add(at(w.pos[0]), '', `YAML: ${firstLine(w.message)}`);
  if (doc.contents === null) return { kind: 'map', entries: [], pos: FILE_POS };
  const reader: Reader = { doc, lines, problems, env, aliases: 0, active: new Set() };
  const root = read(reader, doc.contents as YamlNode, [], null);
  // Missing top-level keys are reported against the file itself, not its first key.
  if (root && root.kind === 'map') root.pos = FILE_POS;
  return root;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

function posOf(r: Reader, node: YamlNode | null | undefined, fallback: Pos): Pos {
  const offset = node?.range?.[0];
  if (offset === undefined) return fallback;
  const p = r.lines.linePos(offset);
  return { line: p.line, column: p.col };
}

function read(r: Reader, node: YamlNode, path: PathSegment[], keyPos: Pos | null): TreeNode | null {
  const pos = posOf(r, node, keyPos ?? FILE_POS);
  if (path.length > MAX_DEPTH) {
    r.problems.add(pos, formatPath(path), 'nested too deeply');
    return null;
  }
  if (isAlias(node)) {
    if (++r.aliases > MAX_ALIASES) {
      r.problems.add(pos, formatPath(path), `more than ${MAX_ALIASES} aliases; write the values out`);
      return null;
    }
    const target = node.resolve(r.doc);
    if (!target) {
      r.problems.add(pos, formatPath(path), `alias *${node.source} refers to no anchor`);
      return null;
    }
    if (r.active.has(target)) {
      r.problems.add(pos, formatPath(path), `alias *${node.source} refers to a value that contains it`);
      return null;
    }
    const resolved = read(r, target, path, keyPos);
    // The value is used here, so point at the alias, not at the anchor elsewhere.
    if (resolved) resolved.pos = keyPos && resolved.kind !== 'scalar' ? keyPos : pos;
    return resolved;
  }
  r.active.add(node);
  try {
    if (isMap(node)) return readMap(r, node.items, path, keyPos ?? pos);
    if (isSeq(node)) {
      const items: TreeNode[] = [];
      node.items.forEach((item, i) => {
        const child = read(r, item as YamlNode, [...path, i], null);
        if (child) items.push(child);
      });
      // A block list starts on the line after its key; the key line is what the admin recognises.
      return { kind: 'seq', items, pos: keyPos ?? pos };
    }
    if (isScalar(node)) return readScalar(r, node.value, node.source, path, pos, keyPos);
  } finally {
    r.active.delete(node);
  }
  r.problems.add(pos, formatPath(path), 'unsupported YAML value');
  return null;
}

function readMap(r: Reader, pairs: readonly unknown[], path: PathSegment[], pos: Pos): MapNode {
  const entries: MapEntry[] = [];
  const seen = new Map<string, Pos>();
  for (const pair of pairs) {
    if (!isPair(pair)) continue;
    const keyNode = pair.key as YamlNode | null;
    const keyPos = posOf(r, keyNode, pos);
    const raw = isScalar(keyNode) ? keyNode.value : undefined;
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      r.problems.add(keyPos, formatPath(path), 'keys must be plain words, not lists, mappings or empty');
      continue;
    }
    const key = String(raw);
    const first = seen.get(key);
    if (first) {
      r.problems.add(keyPos, formatPath([...path, key]), `duplicate key; already set on line ${first.line}`);
      continue;
    }
    seen.set(key, keyPos);
    const valueNode = pair.value as YamlNode | null;
    const value = valueNode
      ? read(r, valueNode, [...path, key], keyPos)
      : ({ kind: 'scalar', value: null, pos: keyPos, fromEnv: false } as ScalarNode);
    if (value) entries.push({ key, keyPos, value });
  }
  return { kind: 'map', entries, pos };
}

function readScalar(
  r: Reader,
  value: unknown,
  source: string | undefined,
  path: PathSegment[],
  pos: Pos,
  keyPos: Pos | null,
): ScalarNode {
  // `key:` with nothing after it sits at the end of the line; its key is the useful position.
  const where = value === null && !source && keyPos ? keyPos : pos;
  if (value === null || typeof value === 'number' || typeof value === 'boolean') {
    return { kind: 'scalar', value, pos: where, fromEnv: false };
  }
  const text = typeof value === 'string' ? value : String(value);
  const expanded = interpolate(text, r.env);
  const at = formatPath(path);
  for (const name of expanded.missing) {
    r.problems.add(pos, at, `environment variable ${name} is not set (write \${${name}:-} to allow it to be empty)`);
  }
  for (const bad of expanded.malformed) {
    r.problems.add(pos, at, `'${bad}' is not a valid reference; write \${NAME} or \${NAME:-default} (\$\${ for a literal \${)`);
  }
  const broken = expanded.missing.length + expanded.malformed.length > 0;
  return { kind: 'scalar', value: expanded.value, pos: where, fromEnv: expanded.substituted, broken };
}

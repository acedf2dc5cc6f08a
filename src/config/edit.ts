/**
 * Edits config YAML in place through the `yaml` Document API, so a save from
 * the console keeps the admin's comments, key order, quoting and every key it
 * did not change. Only the nodes whose value changes are replaced; list items
 * and map entries that stay keep their node (and with it their comments).
 *
 * The Document re-renders the whole file in its own layout (one space before
 * a comment, its own flow spacing), which would turn a one-line change into a
 * noisy diff of the admin's file. So the rendering is laid back over the
 * original text line by line: lines the edit did not touch keep their exact
 * bytes. When that cannot be done safely, the Document's rendering is used.
 *
 * No validation here: the caller validates the resulting text with
 * parseConfig before writing anything.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  YAMLMap,
  type Document,
  type Node as YamlNode,
  type ToStringOptions,
} from 'yaml';

export type KeyPath = readonly (string | number)[];

export interface YamlChange {
  path: KeyPath;
  /** The new value; undefined removes the key. */
  value: unknown;
}

type Plain = Record<string, unknown>;
const isPlainObject = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalarValue = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** Applies `changes` to config text; throws when the text is not well-formed YAML (validate it first). */
export function editYamlText(text: string, changes: readonly YamlChange[]): string {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) throw new Error(`cannot edit YAML with syntax errors: ${doc.errors[0]!.message}`);
  applyChanges(doc, changes);
  const options = formatOf(text);
  const rendered = doc.toString(options);
  return overlay(text, rendered, options) ?? rendered;
}

/**
 * `rendered` with every line that the edit did not change taken from
 * `original` instead. Null when the Document's rendering of the unedited
 * file does not line up with the original, or the result would not read
 * back exactly as `rendered` does.
 */
function overlay(original: string, rendered: string, options: ToStringOptions): string | null {
  const eol = original.includes('\r\n') ? '\r\n' : '\n';
  const source = original.split(/\r?\n/);
  const before = parseDocument(original, { uniqueKeys: false }).toString(options).split('\n');
  const after = rendered.split('\n');
  // Line i of the file must be line i of its rendering, differing only in spacing.
  const squash = (l: string) => l.replace(/\s+/g, '');
  if (source.length !== before.length || source.some((l, i) => squash(l) !== squash(before[i]!))) return null;
  // The diff is quadratic; a file this long is not a hand-kept config, and gets the plain rendering.
  if (before.length * after.length > MAX_DIFF_CELLS) return null;
  const out: string[] = [];
  for (const step of lineDiff(before, after)) {
    if (step.kind === 'same') out.push(source[step.from]!);
    else if (step.kind === 'added') out.push(after[step.to]!);
  }
  const text = out.join(eol);
  const check = parseDocument(text, { uniqueKeys: false });
  if (check.errors.length > 0 || !isDeepStrictEqual(check.toJS(), parseDocument(rendered, { uniqueKeys: false }).toJS())) return null;
  return text;
}

const MAX_DIFF_CELLS = 4_000_000;

type DiffStep = { kind: 'same'; from: number } | { kind: 'removed' } | { kind: 'added'; to: number };

/** A longest-common-subsequence line diff; config files are a few hundred lines, so O(n·m) is nothing. */
function lineDiff(a: readonly string[], b: readonly string[]): DiffStep[] {
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const steps: DiffStep[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      steps.push({ kind: 'same', from: i++ });
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      steps.push({ kind: 'added', to: j++ });
    } else {
      steps.push({ kind: 'removed' });
      i++;
    }
  }
  return steps;
}

export function applyChanges(doc: Document, changes: readonly YamlChange[]): void {
  for (const c of changes) setPath(doc, c.path, c.value);
}

function setPath(doc: Document, path: KeyPath, value: unknown): void {
  if (path.length === 0) throw new Error('empty key path');
  if (!isCollection(doc.contents)) {
    // An empty file, or one whose root is a lone `null`: start a mapping.
    doc.contents = new YAMLMap() as never;
  }
  let parent = doc.contents as YAMLMap | import('yaml').YAMLSeq;
  for (const key of path.slice(0, -1)) {
    let child = parent.get(key, true) as YamlNode | undefined;
    if (!isCollection(child)) {
      // `exempt:` with nothing under it reads as null: it becomes a mapping,
      // keeping the comment that was written next to it.
      const map = new YAMLMap();
      carryComments(child, map);
      parent.set(key, map);
      child = map;
    }
    parent = child as YAMLMap;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) {
    parent.delete(last);
    return;
  }
  parent.set(last, nodeFor(doc, parent.get(last, true) as YamlNode | undefined, value));
}

/** The node to store for `value`, reusing `existing` (and its comments and style) where it can. */
function nodeFor(doc: Document, existing: YamlNode | undefined, value: unknown): YamlNode {
  if (existing && !isAlias(existing)) {
    if (isScalar(existing) && isScalarValue(value) && sameKind(existing.value, value)) {
      existing.value = value;
      return existing;
    }
    if (isSeq(existing) && Array.isArray(value)) {
      // Items that stay keep their node, so `- 10.0.0.0/8  # office` keeps its comment.
      const unused = [...existing.items];
      existing.items = value.map((v) => {
        const i = isScalarValue(v) ? unused.findIndex((n) => isScalar(n) && n.value === v) : -1;
        return i >= 0 ? unused.splice(i, 1)[0]! : doc.createNode(v);
      });
      return existing;
    }
    if (isMap(existing) && isPlainObject(value)) {
      for (const pair of [...existing.items]) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (typeof key === 'string' && !Object.hasOwn(value, key)) existing.delete(key);
      }
      for (const [k, v] of Object.entries(value)) existing.set(k, nodeFor(doc, existing.get(k, true) as YamlNode | undefined, v));
      return existing;
    }
  }
  const node = doc.createNode(value) as YamlNode;
  carryComments(existing, node);
  return node;
}

/** Same JS type: a quoted '30' must not silently become the number 30, nor the reverse. */
function sameKind(a: unknown, b: unknown): boolean {
  return a === null || b === null ? a === b : typeof a === typeof b;
}

function carryComments(from: YamlNode | undefined | null, to: YamlNode): void {
  if (!from || typeof from !== 'object') return;
  if (from.comment) to.comment = from.comment;
  if (from.commentBefore) to.commentBefore = from.commentBefore;
  if (from.spaceBefore) to.spaceBefore = from.spaceBefore;
}

/**
 * How the file was indented, so rewritten parts look like the rest: the
 * first indented key gives the indent, and a `- item` at the same column as
 * its parent key means sequences are not indented.
 */
export function formatOf(text: string): ToStringOptions {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  let indent = 2;
  let indentSeq = true;
  const firstIndented = lines.find((l) => /^ +[^\s-]/.test(l));
  if (firstIndented) indent = Math.min(8, firstIndented.length - firstIndented.trimStart().length);
  for (let i = 1; i < lines.length; i++) {
    const prev = lines[i - 1]!;
    const line = lines[i]!;
    if (/^\s*-\s/.test(line) && /:\s*(#.*)?$/.test(prev)) {
      indentSeq = line.length - line.trimStart().length > prev.length - prev.trimStart().length;
      break;
    }
  }
  // `[a, b]` or `[ a, b ]`: whichever the file uses more often.
  const padded = (text.match(/: [[{] /g) ?? []).length;
  const tight = (text.match(/: [[{][^\s\]}]/g) ?? []).length;
  // lineWidth 0: never fold long strings the admin wrote on one line.
  return { indent: Math.max(1, indent), indentSeq, lineWidth: 0, flowCollectionPadding: padded >= tight };
}

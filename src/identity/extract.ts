/**
 * Reads a user, groups or roles out of the intranet's answer with one of the
 * three configured extractor forms: a JSON field path, a response header, or
 * a regular expression over the body (for intranets with no API).
 */
import type { Extractor } from '../config/types.js';

export interface LookupAnswer {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Parsed lazily and once: only JSON extractors need it. */
  json(): unknown;
}

export interface CompiledExtractor {
  one(a: LookupAnswer): string | null;
  many(a: LookupAnswer): string[];
}

const SAFE = /^[^\u0000-\u001f\u007f,]{1,256}$/;

function jsonPath(root: unknown, path: string[]): unknown {
  let cur = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function toList(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && SAFE.test(x.trim())).map((x) => x.trim());
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter((s) => SAFE.test(s));
  return [];
}

function toOne(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) v = String(v);
  if (typeof v !== 'string') return null;
  const s = v.trim();
  return SAFE.test(s) ? s : null;
}

export function compileExtractor(e: Extractor): CompiledExtractor {
  if ('json' in e) {
    const path = e.json.split('.').filter(Boolean);
    return {
      one: (a) => toOne(jsonPath(a.json(), path)),
      many: (a) => toList(jsonPath(a.json(), path)),
    };
  }
  if ('header' in e) {
    const name = e.header.toLowerCase();
    const read = (a: LookupAnswer) => {
      const v = a.headers[name];
      return Array.isArray(v) ? v.join(',') : v;
    };
    return { one: (a) => toOne(read(a)), many: (a) => toList(read(a)) };
  }
  const re = new RegExp(e.regex);
  const reAll = new RegExp(e.regex, 'g');
  return {
    one: (a) => toOne(re.exec(a.body)?.[1]),
    many: (a) => {
      const out: string[] = [];
      for (const m of a.body.matchAll(reAll)) out.push(...toList(m[1]));
      return out;
    },
  };
}

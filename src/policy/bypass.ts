/**
 * Bypass rules: paths forwarded without a second factor (the intranet's login
 * page, static assets). Matched against the normalised path (net/path.ts),
 * case-sensitively, because that is how the upstream will resolve it.
 *
 *   /login       exactly /login (not /login/, /login/x, /loginx)
 *   /assets/**   /assets/ and everything below (not /assets, not /assetsx)
 *   /users/*     `*` is one segment: /users/bob, not /users/bob/x nor /users/
 *   /static/*.css  or part of one
 */
import { normalisePath } from '../net/path.js';

export interface BypassMatcher {
  readonly patterns: readonly string[];
  /** The pattern that lets `path` through, or null. */
  match(path: string): string | null;
}

interface Glob {
  pattern: string;
  re: RegExp;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Throws `bypass pattern '…': why` so config validation can quote it. */
function check(pattern: string): void {
  const fail = (why: string): never => {
    throw new Error(`bypass pattern '${pattern}': ${why}`);
  };
  if (!pattern.startsWith('/')) fail('must start with /');
  const segments = pattern.split('/');
  segments.forEach((s, i) => {
    if (s.includes('**') && (s !== '**' || i !== segments.length - 1)) fail("'**' is only allowed as the last segment, as in /assets/**");
  });
  // Request paths are normalised before matching, so a pattern in any other
  // spelling (dot segments, `%7E` for `~`, `//`) could never match.
  const n = normalisePath(pattern);
  if (!n.ok) fail(n.reason);
  else if (n.path !== pattern) fail(`write it normalised, as '${n.path}'`);
}

export function compileBypass(patterns: readonly string[]): BypassMatcher {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const prefixPatterns: string[] = [];
  const globs: Glob[] = [];
  for (const pattern of patterns) {
    check(pattern);
    const deep = pattern.endsWith('/**');
    const head = deep ? pattern.slice(0, -2) : pattern; // keeps the trailing '/'
    if (!head.includes('*')) {
      if (deep) {
        prefixes.push(head);
        prefixPatterns.push(pattern);
      } else {
        exact.add(pattern);
      }
      continue;
    }
    const body = head
      .split('/')
      .map((s) => (s === '*' ? '[^/]+' : s.split('*').map(escapeRegExp).join('[^/]*')))
      .join('/');
    globs.push({ pattern, re: new RegExp(`^${body}${deep ? '.*' : ''}$`, 's') });
  }
  const nPrefixes = prefixes.length;
  const nGlobs = globs.length;

  return Object.freeze({
    patterns: Object.freeze([...patterns]),
    match(path: string): string | null {
      if (exact.has(path)) return path;
      for (let i = 0; i < nPrefixes; i++) if (path.startsWith(prefixes[i]!)) return prefixPatterns[i]!;
      for (let i = 0; i < nGlobs; i++) if (globs[i]!.re.test(path)) return globs[i]!.pattern;
      return null;
    },
  });
}

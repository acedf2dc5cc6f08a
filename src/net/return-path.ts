/**
 * Validation of the "where to go after the code" parameter: a same-origin
 * path and query, or nothing. Browsers are generous readers of URLs (`\` is
 * `/`, tabs and newlines vanish, `/%2F%2F` may be decoded by the upstream's
 * own redirects), so rather than chase each trick we accept a narrow shape
 * and answer '/' for everything else.
 */
import { normalisePath } from './path.js';

export const MAX_RETURN_PATH = 2048;

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * True when `input` is `/path[?query][#fragment]` that stays on this origin
 * and does not point into Gatehouse's own pages under `prefix` (a return path
 * into our own challenge page would loop) — except the admin console.
 */
export function isSafeReturnPath(input: string | undefined, prefix: string): boolean {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_RETURN_PATH) return false;
  // Only a path: `//host` and `/\host` are network-path references to browsers,
  // and anything not starting with `/` is either relative or has a scheme.
  if (input.charCodeAt(0) !== 47) return false;
  const second = input.charCodeAt(1);
  if (second === 47 || second === 92) return false;

  let end = input.length;
  for (let i = 1; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c === 63 || c === 35) {
      end = i;
      break;
    }
  }
  // The path must be one normalisePath() accepts: that refuses encoded `/`
  // and `\`, controls (raw or escaped, so no CRLF or `%09` tricks), encoded
  // dot segments and malformed escapes.
  const normalised = normalisePath(input.slice(0, end));
  if (!normalised.ok) return false;
  if (isUnderPrefix(normalised.path, prefix) && !isConsolePath(input.slice(0, end), normalised.path, prefix)) return false;

  // The query and fragment cannot change the origin, but they are echoed in
  // a Location header, so no controls, spaces, backslashes or bad escapes.
  for (let i = end; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c <= 32 || c >= 127 || c === 92) return false;
    if (c === 37) {
      const h1 = hex(input.charCodeAt(i + 1));
      const h2 = hex(input.charCodeAt(i + 2));
      if (h1 < 0 || h2 < 0) return false;
      const b = h1 * 16 + h2;
      if (b < 32 || b === 127 || b === 92) return false;
      i += 2;
    }
  }
  return true;
}

/** `input` when it is a safe return path, else '/'. */
export function safeReturnPath(input: string | undefined, prefix: string): string {
  return isSafeReturnPath(input, prefix) ? input! : '/';
}

/**
 * The one page under the prefix a user is sent back to: the admin console,
 * after its step-up code. It cannot loop (a fresh code satisfies it) and is
 * accepted only in its exact canonical spelling.
 */
function isConsolePath(raw: string, path: string, prefix: string): boolean {
  const console = prefix.replace(/\/+$/, '') + '/admin';
  return raw === path && (path === console || path.startsWith(console + '/'));
}

/**
 * Case-insensitive on purpose: refusing `/_GATEHOUSE/x` costs nothing, and
 * we do not want to depend on how the router treats case.
 */
function isUnderPrefix(path: string, prefix: string): boolean {
  let p = prefix;
  while (p.endsWith('/')) p = p.slice(0, -1);
  if (p === '') return false;
  const head = path.slice(0, p.length).toLowerCase();
  if (head !== p.toLowerCase()) return false;
  return path.length === p.length || path.charCodeAt(p.length) === 47;
}

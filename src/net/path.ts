/**
 * Request-path normalisation for bypass matching (DESIGN section 3, step 3).
 *
 * Bypass rules are only safe if Gatehouse and the upstream agree on which
 * resource a path names. So we canonicalise what every RFC 3986 server agrees
 * on (unreserved percent-escapes, dot segments, duplicate slashes) and refuse
 * whatever some server somewhere reads differently (Tomcat's `..;`, IIS's `\`
 * and overlong UTF-8, double decoding, `%2F`) instead of guessing.
 */

export type NormalisedPath = { ok: true; path: string } | { ok: false; reason: string };

// Refusals are shared frozen objects: a flood of bad paths costs no garbage.
const refusals = new Map<string, NormalisedPath>();
function refuse(reason: string): NormalisedPath {
  let r = refusals.get(reason);
  if (!r) refusals.set(reason, (r = Object.freeze({ ok: false as const, reason })));
  return r;
}

const SLASH = 47;
const DOT = 46;
const PERCENT = 37;
const SEMI = 59;
const BACKSLASH = 92;
const HASH = 35;
const QUESTION = 63;

/** a-z A-Z 0-9 - . _ ~ (RFC 3986 2.3): the only escapes every server decodes alike. */
function isUnreserved(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95 || c === 126
  );
}

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Characters refused raw: controls, space, DEL and anything non-ASCII (`%`-encode it). */
function isForbiddenRaw(c: number): boolean {
  return c <= 32 || c >= 127;
}

/**
 * True when `p` is already canonical and harmless: no escapes, no
 * backslash/`#`/`?`/controls, no `//` and no dot segment (nor `.;`/`..;`). This is
 * the path of nearly every request, and it costs one scan and no allocation.
 */
function isPlain(p: string): boolean {
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const c = p.charCodeAt(i);
    if (c === PERCENT || c === BACKSLASH || c === HASH || c === QUESTION || isForbiddenRaw(c)) return false;
    if (c === SLASH && i + 1 < n) {
      const d = p.charCodeAt(i + 1);
      if (d === SLASH) return false;
      if (d === DOT) {
        // `.`, `..`, `.;…`, `..;…` as a whole segment start.
        let j = i + 2;
        if (j < n && p.charCodeAt(j) === DOT) j++;
        if (j === n || p.charCodeAt(j) === SLASH || p.charCodeAt(j) === SEMI) return false;
      }
    }
  }
  return true;
}

/**
 * Normalises a request path (query already removed). Returns the identical
 * string for ordinary paths; `{ ok: false }` means answer 400. Callers should
 * forward the normalised path so the upstream sees exactly what was matched.
 */
export function normalisePath(raw: string): NormalisedPath {
  if (raw.length === 0 || raw.charCodeAt(0) !== SLASH) return refuse('path must start with /');
  if (isPlain(raw)) return { ok: true, path: raw };
  return normaliseSlow(raw);
}

interface Segment {
  text: string;
  /** Literal `.`/`..` segment (never one spelled with escapes: those are refused). */
  dots: 0 | 1 | 2;
}

function normaliseSlow(raw: string): NormalisedPath {
  const n = raw.length;
  const segments: Segment[] = [];
  let hasDots = false;
  let hasSemicolon = false;
  let hasEmpty = false;
  let seg = '';
  let encodedDot = false;
  let i = 1;
  // UTF-8 decoder state across consecutive escapes (RFC 3629 table 3-7).
  let need = 0;
  let lower = 0x80;
  let upper = 0xbf;

  const endSegment = (): NormalisedPath | null => {
    const dots = seg === '.' ? 1 : seg === '..' ? 2 : 0;
    if (dots !== 0 && encodedDot) return refuse('encoded dot segment');
    // Tomcat/Jetty strip `;params` before resolving dots, so `..;` is `..` there.
    // `..%3B` too: some frameworks decode the `;` before stripping parameters.
    if (seg.startsWith('.') && /^\.\.?(;|%3B)/.test(seg)) return refuse('dot segment with ; parameters');
    if (dots !== 0) hasDots = true;
    if (seg.length === 0 && i < n) hasEmpty = true; // `//` (a trailing `/` is not a duplicate)
    segments.push({ text: seg, dots });
    seg = '';
    encodedDot = false;
    return null;
  };

  for (; i <= n; i++) {
    const c = i === n ? SLASH : raw.charCodeAt(i);
    if (need > 0 && c !== PERCENT) return refuse('truncated UTF-8 escape');
    if (c === SLASH) {
      const bad = endSegment();
      if (bad) return bad;
      continue;
    }
    if (c === BACKSLASH) return refuse('backslash in path');
    if (c === HASH) return refuse('# in path');
    if (c === QUESTION) return refuse('? in path: the query must be split off first');
    if (isForbiddenRaw(c)) return refuse('control, space or non-ASCII character in path');
    if (c === SEMI) hasSemicolon = true;
    if (c !== PERCENT) {
      seg += raw[i];
      continue;
    }
    const h1 = i + 2 < n ? hex(raw.charCodeAt(i + 1)) : -1;
    const h2 = i + 2 < n ? hex(raw.charCodeAt(i + 2)) : -1;
    if (h1 < 0 || h2 < 0) return refuse('malformed percent escape');
    const b = h1 * 16 + h2;
    i += 2;
    if (need > 0) {
      if (b < lower || b > upper) return refuse('invalid UTF-8 escape');
      lower = 0x80;
      upper = 0xbf;
      need--;
    } else if (b >= 0x80) {
      // Lead byte; the bounds on the next byte rule out overlongs (%C0%AE as
      // `.`) and surrogates, which lenient decoders turn into real characters.
      if (b >= 0xc2 && b <= 0xdf) need = 1;
      else if (b === 0xe0) (need = 2), (lower = 0xa0);
      else if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) need = 2;
      else if (b === 0xed) (need = 2), (upper = 0x9f);
      else if (b === 0xf0) (need = 3), (lower = 0x90);
      else if (b >= 0xf1 && b <= 0xf3) need = 3;
      else if (b === 0xf4) (need = 3), (upper = 0x8f);
      else return refuse('invalid UTF-8 escape');
    } else if (isUnreserved(b)) {
      if (b === DOT) encodedDot = true;
      seg += String.fromCharCode(b);
      continue;
    } else if (b === SLASH || b === BACKSLASH) {
      return refuse('encoded / or \\ in path');
    } else if (b < 32 || b === 127) {
      return refuse('encoded control character in path');
    } else if (b === HASH) {
      return refuse('encoded # in path');
    } else if (b === SEMI) {
      hasSemicolon = true; // some frameworks decode before stripping parameters
    } else if (b === PERCENT) {
      // `%25` followed by hex (or by another escape) becomes an escape to any
      // upstream that decodes twice: `%252e%252e` is `..` there.
      const next = i + 1 < n ? raw.charCodeAt(i + 1) : 0;
      if (next === PERCENT || hex(next) >= 0) return refuse('double percent-encoding');
    }
    seg += '%' + HEX[b >> 4] + HEX[b & 15];
  }

  // `/a/..;x/` is refused above; `;` elsewhere next to dots, or `//` next to
  // dots, resolve differently on servers that strip parameters or keep empty
  // segments (`/x//../y` is `/x/y` to RFC 3986 alone, `/y` after collapsing).
  if (hasDots && hasSemicolon) return refuse('; parameters with dot segments');
  if (hasDots && hasEmpty) return refuse('duplicate slashes with dot segments');

  // RFC 3986 5.2.4 on segments, with empty ones dropped (duplicate slashes).
  const out: string[] = [];
  let trailing = false;
  for (let k = 0; k < segments.length; k++) {
    const s = segments[k]!;
    if (s.dots === 2) out.pop();
    else if (s.dots === 0 && s.text.length > 0) out.push(s.text);
    trailing = s.dots !== 0 || s.text.length === 0;
  }
  const path = out.length === 0 ? '/' : '/' + out.join('/') + (trailing ? '/' : '');
  return { ok: true, path };
}

const HEX = '0123456789ABCDEF';

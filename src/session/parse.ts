/**
 * Cookie-header helpers tuned for the hot path: every forwarded request goes
 * through them, so they scan the header once and allocate only when a
 * Gatehouse cookie is actually present.
 */

/** Prefix of every cookie Gatehouse sets; also the test for "ours, strip before forwarding". */
export const OWN_PREFIX = 'gh_';

export interface RawGatehouseCookies {
  session?: string;
  device?: string;
  skip?: string;
  enrol?: string;
}

/** Picks Gatehouse's cookies out of a Cookie header (first occurrence wins, like browsers send them). */
export function readGatehouseCookies(header: string | undefined): RawGatehouseCookies {
  const out: RawGatehouseCookies = {};
  if (!header || header.indexOf(OWN_PREFIX) === -1) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (!name.startsWith(OWN_PREFIX)) continue;
    const value = part.slice(eq + 1).trim();
    switch (name) {
      case 'gh_s': out.session ??= value; break;
      case 'gh_d': out.device ??= value; break;
      case 'gh_k': out.skip ??= value; break;
      case 'gh_e': out.enrol ??= value; break;
    }
  }
  return out;
}

/**
 * The Cookie header without Gatehouse's cookies, or undefined when nothing is
 * left. Our cookies never reach the upstream: they are no business of the
 * intranet and must not leak into its logs.
 */
export function stripGatehouseCookies(header: string | undefined): string | undefined {
  if (!header) return header;
  if (header.indexOf(OWN_PREFIX) === -1) return header;
  const kept: string[] = [];
  for (const part of header.split(';')) {
    const name = part.slice(0, part.indexOf('=') === -1 ? part.length : part.indexOf('=')).trim();
    if (!name.startsWith(OWN_PREFIX)) kept.push(part.trim());
  }
  return kept.length ? kept.join('; ') : undefined;
}

/**
 * Every value of one named cookie, parsed the way servers do: split on `;`,
 * names trimmed, in order. More than one value means the header is
 * ambiguous: upstreams disagree on which one wins (first or last), so callers
 * must not pick one.
 */
export function readCookieValues(header: string | undefined, name: string): string[] {
  if (!header || !name || header.indexOf(name) === -1) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim());
  }
  return values;
}

/** Value of one named cookie when it appears exactly once, else undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  const values = readCookieValues(header, name);
  return values.length === 1 ? values[0] : undefined;
}

/**
 * Bearer tokens of the JSON API (config api.tokens). Both sides are hashed
 * before comparing, so timingSafeEqual always compares equal lengths and the
 * time taken says nothing about the token's length or how much of it matched;
 * every configured token is compared, whichever matches.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (v: string) => createHash('sha256').update(v, 'utf8').digest();

/** The name of the token presented in `authorization`, or null. */
export function tokenName(tokens: readonly { name: string; token: string }[], authorization: string | undefined): string | null {
  const m = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(authorization ?? '');
  if (!m) return null;
  const given = digest(m[1]!);
  let found: string | null = null;
  for (const t of tokens) {
    if (timingSafeEqual(digest(t.token), given) && found === null) found = t.name;
  }
  return found;
}

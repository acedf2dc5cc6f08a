/**
 * Stateless CSRF tokens: an HMAC over the intranet credential the page was
 * rendered for, so a token is bound to one login session and useless to
 * anyone who cannot read that session's pages.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function csrfToken(key: string, credential: string, user: string): string {
  return createHmac('sha256', key).update(`csrf\n${credential}\n${user}`).digest('base64url');
}

export function checkCsrf(keys: readonly string[], credential: string, user: string, token: unknown): boolean {
  if (typeof token !== 'string' || token.length !== 43) return false;
  const given = Buffer.from(token);
  // Older cookie keys still verify so a key rotation does not break open forms.
  for (const key of keys) {
    const expected = Buffer.from(csrfToken(key, credential, user));
    if (expected.length === given.length && timingSafeEqual(expected, given)) return true;
  }
  return false;
}

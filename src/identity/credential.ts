/**
 * The intranet credential a request carries, reduced to a hash.
 *
 * The hash keys the identity cache and binds 2FA sessions, skip cookies and
 * CSRF tokens to one intranet login: when the intranet issues a new session
 * cookie, every one of those stops matching and the user is asked again.
 * Only a hash is kept so the credential itself never sits in Gatehouse's
 * memory maps, cookies or logs.
 */
import { hash } from 'node:crypto';
import { readCookieValues, stripGatehouseCookies } from '../session/parse.js';

export interface Credential {
  /** 'sid:…' | 'auth:…' | 'cookies:…' — the kind says what a new login changes. */
  hash: string;
  /** Cookie header to forward to the identity look-up (Gatehouse's own removed). */
  cookie: string | undefined;
  authorization: string | undefined;
}

function digest(kind: string, value: string): string {
  // 128 bits are plenty to tell logins apart and keep cookies short.
  // crypto.hash: one call, no Hash object (a measurable share of the verified path).
  return kind + ':' + hash('sha256', value, 'base64url').slice(0, 22);
}

/**
 * Finds the credential, preferring the configured session cookie, then HTTP
 * Authorization, then the whole cookie header (an intranet that logs people
 * in through some other cookie must still be asked, never assumed anonymous).
 * Returns null when the request carries nothing that could log anyone in.
 *
 * Everything the identity look-up forwards and the intranet could log the
 * user in by goes into the hash: a session cookie sent twice (servers differ
 * on which one wins) and an Authorization header next to the session cookie
 * (a dead session plus a fresh Basic login) each make a new credential, so an
 * old 2FA session can never be smuggled into a new login.
 */
export function credentialOf(
  cookieHeader: string | undefined,
  authorization: string | undefined,
  sessionCookie: string,
): Credential | null {
  const cookie = stripGatehouseCookies(cookieHeader);
  const sids = sessionCookie ? readCookieValues(cookie, sessionCookie) : [];
  if (sids.length > 0) {
    const material = sids.join('\n') + (authorization ? '\nauth:' + authorization : '');
    return { hash: digest('sid', material), cookie, authorization };
  }
  if (authorization) return { hash: digest('auth', authorization), cookie, authorization };
  if (cookie) return { hash: digest('cookies', cookie), cookie, authorization };
  return null;
}

/**
 * The demo intranet's first factor: a fixed user directory, server-side login
 * sessions keyed by the `sid` cookie, and the return-path check for `next`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface Identity {
  username: string;
  groups: readonly string[];
  roles: readonly string[];
}

interface Account extends Identity {
  password: string;
  displayName: string;
}

function account(username: string, displayName: string, groups: string[], roles: string[]): Account {
  // Shown on the login page: this is a demo, the passwords protect nothing.
  return Object.freeze({
    username,
    displayName,
    password: `${username}-pw`,
    groups: Object.freeze(groups),
    roles: Object.freeze(roles),
  });
}

export const ACCOUNTS: readonly Account[] = Object.freeze([
  account('alice', 'Alice Andersen', ['finance', 'staff'], ['approver']),
  account('bob', 'Bob Baker', ['staff'], []),
  account('carol', 'Carol Chen', ['contractors'], []),
  account('dave', 'Dave Dubois', ['it-admins', 'staff'], ['operator']),
  account('admin', 'Site Administrator', ['it-admins'], ['administrator']),
]);

const BY_NAME = new Map(ACCOUNTS.map((a) => [a.username, a]));

export function findAccount(username: string): Account | undefined {
  return BY_NAME.get(username);
}

/** The account for a username/password pair, or undefined. */
export function checkPassword(username: string, password: string): Account | undefined {
  const acc = BY_NAME.get(username);
  if (!acc) return undefined;
  const want = Buffer.from(acc.password);
  const got = Buffer.from(password);
  return want.length === got.length && timingSafeEqual(want, got) ? acc : undefined;
}

/** Identity carried by an `Authorization: Basic` header, for tests of Basic-auth intranets. */
export function basicIdentity(header: string | undefined): Account | undefined {
  if (!header || header.length > 1024 || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return checkPassword(decoded.slice(0, colon), decoded.slice(colon + 1));
}

export const SESSION_COOKIE = 'sid';
const SESSION_MAX_AGE_MS = 12 * 3600_000;
const MAX_SESSIONS = 50_000;

/**
 * In-memory login sessions. Each login normally gets a fresh random id: Gatehouse
 * binds its second factor to this value, so "a new sid" must mean "a new login".
 */
export class SessionStore {
  private readonly sessions = new Map<string, { username: string; expires: number }>();

  get size(): number {
    return this.sessions.size;
  }

  lookup(sid: string | undefined): Account | undefined {
    if (!sid) return undefined;
    const s = this.sessions.get(sid);
    if (!s) return undefined;
    if (s.expires <= Date.now()) {
      this.sessions.delete(sid);
      return undefined;
    }
    return BY_NAME.get(s.username);
  }

  /** Starts a session; `reuse` keeps a client-chosen id, as PHP apps that never regenerate do. */
  create(username: string, reuse?: string): string {
    if (this.sessions.size >= MAX_SESSIONS) {
      // Maps iterate in insertion order: drop the oldest logins first.
      const oldest = this.sessions.keys().next();
      if (!oldest.done) this.sessions.delete(oldest.value);
    }
    const sid = reuse ?? randomBytes(24).toString('base64url');
    this.sessions.delete(sid);
    this.sessions.set(sid, { username, expires: Date.now() + SESSION_MAX_AGE_MS });
    return sid;
  }

  destroy(sid: string | undefined): void {
    if (sid) this.sessions.delete(sid);
  }

  clear(): void {
    this.sessions.clear();
  }
}

export function sessionCookie(sid: string): string {
  return `${SESSION_COOKIE}=${sid}; Path=/; HttpOnly; SameSite=Lax`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}

/** First value of cookie `name` in a Cookie header (browsers send the most specific first). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const ORIGIN = 'http://intranet.invalid';

/**
 * `next` if it is a path on this site, else `/`. Rejects `//host` and `/\host`
 * (browsers read both as another origin), control characters, and the login and
 * logout pages themselves (a redirect loop or an instant logout).
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || next.length > 2048 || next[0] !== '/' || next[1] === '/' || next[1] === '\\') return '/';
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  let u: URL;
  try {
    u = new URL(next, ORIGIN);
  } catch {
    return '/';
  }
  if (u.origin !== ORIGIN || u.pathname === '/login' || u.pathname === '/logout') return '/';
  // The serialised form is percent-encoded ASCII, so always a valid Location value.
  return u.pathname + u.search + u.hash;
}

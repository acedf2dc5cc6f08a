/**
 * Sign, verify and serialise Gatehouse's cookies.
 *
 * Signing is @fastify/cookie's HMAC-SHA256 Signer with rotatable keys: the
 * first key signs, every key verifies. Payloads are base64url JSON and carry
 * no secret (user name, generation, credential hash, times). Verified values
 * are kept in a small bounded cache keyed by the exact cookie string, so the
 * hot path of a verified user pays one Map lookup instead of an HMAC.
 */
import { Signer } from '@fastify/cookie';
import { stringifySetCookie } from 'cookie';
import type { DeviceClaim, SessionClaim, SkipClaim } from '../policy/types.js';

export const COOKIE = { session: 'gh_s', device: 'gh_d', skip: 'gh_k', enrol: 'gh_e' } as const;

export interface PendingEnrolment {
  user: string;
  credential: string;
  /** The new secret, sealed with the store's encryption key (never in clear in a cookie). */
  sealedSecret: string;
  createdAt: number;
}

export interface CookieOptions {
  keys: readonly string[];
  secure: boolean;
  /** Cookies are scoped to the whole site: the gate reads them on every path. */
  path?: string;
}

export interface CookieJar {
  signSession(c: SessionClaim): string;
  signDevice(c: DeviceClaim): string;
  signSkip(c: SkipClaim): string;
  signEnrol(c: PendingEnrolment): string;
  session(raw: string | undefined): SessionClaim | null;
  device(raw: string | undefined): DeviceClaim | null;
  skip(raw: string | undefined): SkipClaim | null;
  enrol(raw: string | undefined): PendingEnrolment | null;
  /** A Set-Cookie header value. maxAgeMs null = browser-session cookie. */
  serialize(name: string, value: string, maxAgeMs: number | null): string;
  clear(name: string): string;
}

const CACHE_LIMIT = 10_000;

export function createCookieJar(opts: CookieOptions): CookieJar {
  if (opts.keys.length === 0) throw new Error('GH_ERR_NO_COOKIE_KEY: at least one cookie key is required');
  const signer = new Signer([...opts.keys], 'sha256');
  const path = opts.path ?? '/';
  // One cache per cookie kind: a payload valid as one kind must never be read as another.
  const caches = { s: new Map<string, unknown>(), d: new Map<string, unknown>(), k: new Map<string, unknown>() };

  function sign(kind: string, payload: unknown): string {
    const body = Buffer.from(JSON.stringify({ k: kind, ...(payload as object) })).toString('base64url');
    return signer.sign(body);
  }

  function verify<T>(kind: 's' | 'd' | 'k' | 'e', raw: string | undefined, check: (o: Record<string, unknown>) => T | null): T | null {
    if (!raw || raw.length > 4096) return null;
    const cache = kind === 'e' ? undefined : caches[kind];
    const hit = cache?.get(raw);
    if (hit !== undefined) return hit as T;
    const result = signer.unsign(raw);
    if (!result.valid || result.value === null) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(result.value, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (typeof parsed !== 'object' || parsed === null || (parsed as { k?: unknown }).k !== kind) return null;
    const claim = check(parsed as Record<string, unknown>);
    if (claim && cache) {
      if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
      cache.set(raw, claim);
    }
    return claim;
  }

  const str = (v: unknown): v is string => typeof v === 'string';
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

  return {
    signSession: (c) => sign('s', { u: c.user, g: c.generation, c: c.credential, v: c.verifiedAt, a: c.activeAt }),
    signDevice: (c) => sign('d', { u: c.user, g: c.generation, x: c.expiresAt }),
    signSkip: (c) => sign('k', { u: c.user, c: c.credential, t: c.at }),
    signEnrol: (c) => sign('e', { u: c.user, c: c.credential, s: c.sealedSecret, t: c.createdAt }),
    session: (raw) => verify('s', raw, (o) =>
      str(o.u) && num(o.g) && str(o.c) && num(o.v) && num(o.a)
        ? Object.freeze({ user: o.u, generation: o.g, credential: o.c, verifiedAt: o.v, activeAt: o.a })
        : null),
    device: (raw) => verify('d', raw, (o) =>
      str(o.u) && num(o.g) && num(o.x) ? Object.freeze({ user: o.u, generation: o.g, expiresAt: o.x }) : null),
    skip: (raw) => verify('k', raw, (o) =>
      str(o.u) && str(o.c) && num(o.t) ? Object.freeze({ user: o.u, credential: o.c, at: o.t }) : null),
    enrol: (raw) => verify('e', raw, (o) =>
      str(o.u) && str(o.c) && str(o.s) && num(o.t)
        ? { user: o.u, credential: o.c, sealedSecret: o.s, createdAt: o.t }
        : null),
    serialize(name, value, maxAgeMs) {
      return stringifySetCookie({
        name,
        value,
        path,
        httpOnly: true,
        sameSite: 'lax',
        secure: opts.secure,
        ...(maxAgeMs === null ? {} : { maxAge: Math.floor(maxAgeMs / 1000) }),
      });
    },
    clear(name) {
      return stringifySetCookie({ name, value: '', path, httpOnly: true, sameSite: 'lax', secure: opts.secure, maxAge: 0 });
    },
  };
}

/**
 * Identity by asking the intranet itself, with the user's own credentials.
 *
 * Hazards handled here (DESIGN section 4): anonymous answers with 200 and a
 * login form (no user extracted = anonymous); statuses that mean anonymous;
 * a failing upstream, which is an error and never "anonymous"; look-ups
 * coalesced and cached by credential hash; anonymous results never cached
 * (only coalesced), because intranets that keep the session id across a login
 * would otherwise let the first pages after it through without a second factor.
 */
import { Pool } from 'undici';
import type { GatehouseConfig } from '../config/types.js';
import type { Identity } from '../policy/types.js';
import { CoalescingCache } from './cache.js';
import type { Credential } from './credential.js';
import { IdentityUnavailableError } from './errors.js';
import { compileExtractor, type LookupAnswer } from './extract.js';

const MAX_BODY = 1024 * 1024;
const CACHE_ENTRIES = 50_000;

export interface LookupStats {
  lookups: number;
  cacheHits: number;
  errors: number;
}

export interface LookupResolver {
  resolve(cred: Credential, forwarded: { ip: string; proto: string; host: string }): Promise<Identity | null>;
  /** The cached answer for a credential without asking (undefined: not cached, call resolve). */
  peek(cred: Credential): Identity | null | undefined;
  /** Forget what was cached for a credential (the intranet just set or cleared its session cookie). */
  forget(credentialHash: string): void;
  readonly stats: LookupStats;
  /** Identities cached right now (never more than maxEntries). */
  cacheSize(): number;
  close(): Promise<void>;
}

export interface LookupOptions {
  /** Bound on cached identities; the oldest go first. Default 50,000. */
  maxEntries?: number;
}

/** The cache stores null for anonymous, so "not cached" must be a different value. */
type Cached = { identity: Identity | null };

export function createLookupResolver(config: GatehouseConfig, now: () => number = Date.now, opts: LookupOptions = {}): LookupResolver {
  const lk = config.identity.lookup;
  const upstream = new URL(config.upstream.url);
  const pool = new Pool(upstream.origin, { connections: 32, keepAliveTimeout: 10_000 });
  const basePath = upstream.pathname.replace(/\/$/, '');
  const path = basePath + lk.path;
  const userX = compileExtractor(lk.user);
  const groupsX = lk.groups ? compileExtractor(lk.groups) : null;
  const rolesX = lk.roles ? compileExtractor(lk.roles) : null;
  const anonymousStatuses = new Set(lk.anonymousStatuses);
  const cache = new CoalescingCache<Cached>(opts.maxEntries ?? CACHE_ENTRIES);
  const stats: LookupStats = { lookups: 0, cacheHits: 0, errors: 0 };

  async function ask(cred: Credential, fwd: { ip: string; proto: string; host: string }): Promise<Cached> {
    stats.lookups++;
    const headers: Record<string, string> = {
      accept: 'application/json, text/html;q=0.9, */*;q=0.5',
      'x-forwarded-for': fwd.ip,
      'x-forwarded-proto': fwd.proto,
      'x-forwarded-host': fwd.host,
    };
    if (cred.cookie) headers.cookie = cred.cookie;
    if (cred.authorization) headers.authorization = cred.authorization;
    let res;
    try {
      res = await pool.request({
        method: 'GET',
        path,
        headers,
        headersTimeout: lk.timeoutMs,
        bodyTimeout: lk.timeoutMs,
        maxRedirections: 0,
      } as Parameters<Pool['request']>[0]);
    } catch (err) {
      stats.errors++;
      throw new IdentityUnavailableError(`identity look-up ${lk.path} failed: ${(err as Error).message}`, { cause: err });
    }
    const status = res.statusCode;
    if (anonymousStatuses.has(status) || (status >= 300 && status < 400)) {
      await res.body.dump();
      return { identity: null };
    }
    if (status !== 200) {
      await res.body.dump();
      stats.errors++;
      throw new IdentityUnavailableError(`identity look-up ${lk.path} answered ${status}`);
    }
    let body = '';
    try {
      for await (const chunk of res.body) {
        body += chunk;
        if (body.length > MAX_BODY) throw new Error('answer larger than 1 MB');
      }
    } catch (err) {
      stats.errors++;
      res.body.destroy();
      throw new IdentityUnavailableError(`identity look-up ${lk.path}: ${(err as Error).message}`, { cause: err });
    }
    let parsed: unknown;
    let parsedOnce = false;
    const answer: LookupAnswer = {
      headers: res.headers,
      body,
      json() {
        if (!parsedOnce) {
          parsedOnce = true;
          try { parsed = JSON.parse(body); } catch { parsed = undefined; }
        }
        return parsed;
      },
    };
    const user = userX.one(answer);
    // A 200 without a user is how many intranets show their login form.
    if (!user) return { identity: null };
    return {
      identity: Object.freeze({
        user,
        groups: Object.freeze(groupsX ? groupsX.many(answer) : []),
        roles: Object.freeze(rolesX ? rolesX.many(answer) : []),
        source: 'lookup' as const,
        credential: cred.hash,
      }),
    };
  }

  return {
    stats,
    peek(cred) {
      const hit = cache.peek(cred.hash, now());
      if (hit === undefined) return undefined;
      stats.cacheHits++;
      return hit.identity;
    },
    async resolve(cred, fwd) {
      const hit = this.peek(cred);
      if (hit !== undefined) return hit;
      const r = await cache.get(cred.hash, now, () => ask(cred, fwd), (v) => (v.identity ? lk.cacheTtlMs : 0));
      return r.identity;
    },
    forget: (hash) => cache.delete(hash),
    cacheSize: () => cache.size,
    close: () => pool.close(),
  };
}

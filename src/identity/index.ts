/** Who the intranet says is logged in: from trusted headers or by asking the intranet with the user's own credentials. */
import type { IncomingHttpHeaders } from 'node:http';
import type { GatehouseConfig } from '../config/types.js';
import type { Identity } from '../policy/types.js';
import { credentialOf, type Credential } from './credential.js';
import { foldHeaderName, listValue, singleValue, stripHeaders } from './header.js';
import { createLookupResolver, type LookupStats } from './lookup.js';

export { IdentityUnavailableError } from './errors.js';
export { credentialOf, type Credential } from './credential.js';
export { CoalescingCache } from './cache.js';
export { foldHeaderName } from './header.js';

export interface IdentityRequest {
  headers: IncomingHttpHeaders;
  /** The socket peer is in network.trustedProxies. */
  fromTrustedProxy: boolean;
  clientIp: string;
  proto: string;
  host: string;
}

export interface IdentityResolver {
  /**
   * Removes spoofable identity headers (in place) so neither Gatehouse nor the
   * upstream can be fooled by them. Must run on every request before anything
   * else reads headers or forwards them.
   */
  sanitize(req: IdentityRequest): void;
  /** The credential of a request (null: nothing that could log anyone in). */
  credential(headers: IncomingHttpHeaders): Credential | null;
  /** null = anonymous. Throws IdentityUnavailableError when the intranet cannot say. */
  resolve(req: IdentityRequest, cred: Credential | null): Promise<Identity | null>;
  /**
   * The same answer when it needs no I/O (headers, a cached look-up), so the
   * hot path of a known user never waits on a promise; undefined = call resolve.
   */
  resolveNow(req: IdentityRequest, cred: Credential | null): Identity | null | undefined;
  forget(credentialHash: string): void;
  readonly stats: LookupStats;
  close(): Promise<void>;
}

export function createIdentityResolver(config: GatehouseConfig, now: () => number = Date.now): IdentityResolver {
  const h = config.identity.header;
  const names = [h.user, h.groups, h.roles].filter(Boolean);
  const folded = new Set(names.map(foldHeaderName));
  const [userH, groupsH, rolesH] = [h.user, h.groups, h.roles].map((n) => (n ? n.toLowerCase() : ''));
  const sessionCookie = config.identity.sessionCookie;
  const headerMode = config.identity.source === 'header';
  const lookup = headerMode ? null : createLookupResolver(config, now);
  const headerStats: LookupStats = { lookups: 0, cacheHits: 0, errors: 0 };

  return {
    stats: lookup ? lookup.stats : headerStats,
    sanitize(req) {
      // In lookup mode identity headers are never trusted, from anyone: strip
      // them all so the upstream cannot be confused either. In header mode,
      // only a trusted proxy's exact spelling survives.
      stripHeaders(req.headers, folded, headerMode && req.fromTrustedProxy);
      // A trusted proxy's header that cannot be read as one user (duplicated,
      // a comma, control characters) is not guessed at, and not passed on
      // either: the upstream might read it differently.
      if (headerMode && req.fromTrustedProxy && userH && req.headers[userH] !== undefined && singleValue(req.headers[userH]) === null) {
        for (const n of [userH, groupsH, rolesH]) if (n) delete req.headers[n];
      }
    },
    credential: (headers) => credentialOf(headers.cookie, headers.authorization, sessionCookie),
    async resolve(req, cred) {
      if (lookup) {
        if (!cred) return null;
        return lookup.resolve(cred, { ip: req.clientIp, proto: req.proto, host: req.host });
      }
      return fromHeaders(req, cred);
    },
    resolveNow(req, cred) {
      if (lookup) return cred ? lookup.peek(cred) : null;
      return fromHeaders(req, cred);
    },
    forget: (hash) => lookup?.forget(hash),
    close: async () => { await lookup?.close(); },
  };

  function fromHeaders(req: IdentityRequest, cred: Credential | null): Identity | null {
    if (!req.fromTrustedProxy || !userH) return null;
    const user = singleValue(req.headers[userH]);
    if (!user) return null;
    return {
      user,
      groups: groupsH ? listValue(req.headers[groupsH]) : [],
      roles: rolesH ? listValue(req.headers[rolesH]) : [],
      source: 'header',
      // With no intranet credential the 2FA session is bound to the user
      // and ends by twoFactor.session limits (DESIGN section 8).
      credential: cred ? cred.hash : 'hdr:' + user,
    };
  }
}

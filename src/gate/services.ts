/**
 * Everything a request handler needs, built once by app.ts and passed down:
 * handlers are the only glue between the modules (STYLE 1).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { IdentityResolver } from '../identity/index.js';
import type { CookieJar } from '../session/index.js';
import type { Store } from '../store/types.js';
import type { Sealer } from '../totp/index.js';
import type { Runtime } from './runtime.js';
import type { SeenTracker } from './seen.js';

export interface Services {
  runtime: Runtime;
  store: Store;
  identity: IdentityResolver;
  cookies: CookieJar;
  /** Cookie keys, newest first (CSRF tokens are HMACs under them too). */
  cookieKeys: readonly string[];
  sealer: Sealer;
  clientIp: (socketAddress: string | undefined, xff: string | string[] | undefined) => string;
  isTrustedProxy: (socketAddress: string | undefined) => boolean;
  now: () => number;
  /** server.publicUrl parsed once: redirects and X-Forwarded-Host/Proto come from it, never from the Host header. */
  publicUrl: URL;
  log: FastifyBaseLogger;
  seen: SeenTracker;
  /** The shared policy document when policy.source is redis (set by the policy sync at start). */
  policySource?: import('../config/redis-policy.js').RedisPolicySource;
  /** Called with every audit event after it is stored (the log line, metrics). */
  audit: (e: import('../store/types.js').AuditEvent) => Promise<void>;
}

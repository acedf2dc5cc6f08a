/**
 * The gate: from a raw request to a policy decision. Shared by the HTTP
 * onRequest hook and the WebSocket upgrade handler so both are judged by
 * exactly the same code. I/O happens here (identity look-up, store read);
 * the decision itself is the pure policy/decide.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { IdentityUnavailableError, type Credential, type IdentityRequest } from '../identity/index.js';
import { normalisePath } from '../net/index.js';
import { decide, preDecide, type CompiledPolicy } from '../policy/index.js';
import type { Claims, Decision, DecisionInput, Identity } from '../policy/types.js';
import { readGatehouseCookies } from '../session/index.js';
import type { UserState } from '../store/types.js';
import type { Services } from './services.js';

export interface RawRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  socketAddress: string | undefined;
}

export interface RequestContext {
  /** Normalised path: what was judged, and what the upstream receives. */
  path: string;
  /** '?…' exactly as sent, or ''. */
  query: string;
  clientIp: string;
  peerIp: string;
  fromTrustedProxy: boolean;
  proto: string;
  host: string;
  cred: Credential | null;
  identity: Identity | null;
  claims: Claims;
  state: UserState | null;
  now: number;
}

export type GateOutcome =
  | { kind: 'bad_path'; reason: string }
  | { kind: 'own'; ctx: RequestContext }
  | { kind: 'decided'; decision: Decision; ctx: RequestContext }
  | { kind: 'unavailable'; what: 'identity' | 'store'; error: Error; ctx: RequestContext };

const NO_CLAIMS: Claims = Object.freeze({ session: null, device: null, skip: null });

/** True when `path` is the prefix itself or below it, on a segment boundary. */
export function underPrefix(path: string, prefix: string): boolean {
  return path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47 /* / */);
}

export function splitUrl(url: string): { rawPath: string; query: string } {
  const q = url.indexOf('?');
  return q === -1 ? { rawPath: url, query: '' } : { rawPath: url.slice(0, q), query: url.slice(q) };
}

/** Builds the request context: path, client IP, credential, cookies' claims. No I/O. */
export function contextOf(s: Services, req: RawRequest): RequestContext | { bad: string } {
  const { rawPath, query } = splitUrl(req.url);
  const norm = normalisePath(rawPath);
  if (!norm.ok) return { bad: norm.reason };
  const fromTrustedProxy = s.isTrustedProxy(req.socketAddress);
  const clientIp = s.clientIp(req.socketAddress, fromTrustedProxy ? req.headers['x-forwarded-for'] : undefined);
  s.identity.sanitize({ headers: req.headers, fromTrustedProxy, clientIp, proto: '', host: '' });
  const raw = readGatehouseCookies(req.headers.cookie);
  const claims: Claims =
    raw.session || raw.device || raw.skip
      ? { session: s.cookies.session(raw.session), device: s.cookies.device(raw.device), skip: s.cookies.skip(raw.skip) }
      : NO_CLAIMS;
  return {
    path: norm.path,
    query,
    clientIp,
    peerIp: s.clientIp(req.socketAddress, undefined),
    fromTrustedProxy,
    proto: s.publicUrl.protocol.slice(0, -1),
    host: s.publicUrl.host,
    cred: s.identity.credential(req.headers),
    identity: null,
    claims,
    state: null,
    now: s.now(),
  };
}

/** Resolves identity (and user state when the policy needs it) and decides. */
export async function evaluate(s: Services, req: RawRequest): Promise<GateOutcome> {
  return evaluateNow(s, req);
}

/**
 * evaluate() without a promise when nothing needs I/O — a known user (cached
 * look-up or trusted header) and a store that answers from memory — which is
 * every request of a verified user after the first. The gate's hook calls
 * this so the hot path allocates no promise and waits no microtask; anything
 * that must wait (a look-up, Redis) returns a promise of the same outcome.
 */
export function evaluateNow(s: Services, req: RawRequest): GateOutcome | Promise<GateOutcome> {
  const c = contextOf(s, req);
  if ('bad' in c) return { kind: 'bad_path', reason: c.bad };
  const { config, policy } = s.runtime.live;
  if (underPrefix(c.path, config.server.prefix)) return { kind: 'own', ctx: c };
  // Bypass rules are judged before identity so the intranet's login page and
  // assets never cost a look-up (and keep working while the intranet's API is down).
  if (policy.bypass.match(c.path) !== null) {
    return { kind: 'decided', decision: decide(policy, { identity: null, clientIp: c.clientIp, method: req.method, path: c.path, claims: c.claims, state: null, now: c.now }), ctx: c };
  }
  const known = s.identity.resolveNow(identityRequest(c, req.headers), c.cred);
  if (known === undefined) return identifyThenDecide(s, policy, req, c);
  c.identity = known;
  return decideKnown(s, policy, req, c);
}

async function identifyThenDecide(s: Services, policy: CompiledPolicy, req: RawRequest, c: RequestContext): Promise<GateOutcome> {
  try {
    await identify(s, req.headers, c);
  } catch (err) {
    if (err instanceof IdentityUnavailableError) return { kind: 'unavailable', what: 'identity', error: err, ctx: c };
    throw err;
  }
  return decideKnown(s, policy, req, c);
}

/** The decision once identity is known: the store's user state is read only when the policy needs it. */
function decideKnown(s: Services, policy: CompiledPolicy, req: RawRequest, c: RequestContext): GateOutcome | Promise<GateOutcome> {
  // One input object for both halves: no spread on the hot path.
  const input: DecisionInput = { identity: c.identity, clientIp: c.clientIp, method: req.method, path: c.path, claims: c.claims, state: null, now: c.now };
  if (c.identity) s.seen.note(c.identity.user, c.clientIp, c.identity.groups, c.now);
  const pre = preDecide(policy, input);
  if (pre) return { kind: 'decided', decision: pre, ctx: c };
  const user = c.identity!.user;
  if (s.store.getUserNow) {
    try {
      c.state = s.store.getUserNow(user);
    } catch (err) {
      return { kind: 'unavailable', what: 'store', error: err as Error, ctx: c };
    }
    input.state = c.state;
    return { kind: 'decided', decision: decide(policy, input), ctx: c };
  }
  return s.store.getUser(user).then(
    (state) => {
      c.state = input.state = state;
      return { kind: 'decided', decision: decide(policy, input), ctx: c };
    },
    (err: unknown) => ({ kind: 'unavailable', what: 'store', error: err as Error, ctx: c }),
  );
}

function identityRequest(c: RequestContext, headers: IncomingHttpHeaders): IdentityRequest {
  return { headers, fromTrustedProxy: c.fromTrustedProxy, clientIp: c.clientIp, proto: c.proto, host: c.host };
}

/** The identity behind a request whose context is built (gate, pages, whoami); stored on the context too. */
export async function identify(s: Services, headers: IncomingHttpHeaders, c: RequestContext): Promise<Identity | null> {
  c.identity = await s.identity.resolve(identityRequest(c, headers), c.cred);
  return c.identity;
}

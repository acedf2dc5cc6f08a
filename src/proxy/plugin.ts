/**
 * The forwarding half of Gatehouse: a catch-all route whose onRequest hook is
 * the gate (before any body is read, STYLE 6) and whose handler streams the
 * request to the intranet with @fastify/reply-from over undici.
 */
import { METHODS, type IncomingHttpHeaders } from 'node:http';
import replyFrom from '@fastify/reply-from';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { evaluateNow, type GateOutcome, type RequestContext } from '../gate/evaluate.js';
import { sendDecision, sendError } from '../gate/respond.js';
import type { Services } from '../gate/services.js';
import type { SessionClaim } from '../policy/types.js';
import { COOKIE } from '../session/index.js';
import { forwardHeaders, stripResponseHopByHop } from './headers.js';

declare module 'fastify' {
  interface FastifyRequest {
    gate: {
      ctx: RequestContext;
      refreshSession: string | null;
      rule: string;
      /** A bypassed, unsafe request carrying a credential: a login or logout form post (see gate()). */
      firstFactorPost: boolean;
    } | null;
  }
}

/** How often an active 2FA session cookie is re-issued to push its idle timeout forward. */
export function refreshEvery(idleTimeoutMs: number): number {
  return Math.min(60_000, Math.max(1_000, Math.floor(idleTimeoutMs / 10)));
}

export async function proxyPlugin(app: FastifyInstance, s: Services): Promise<void> {
  const { config } = s.runtime.live;
  const upstream = new URL(config.upstream.url);
  await app.register(replyFrom, {
    base: upstream.origin,
    disableRequestLogging: true,
    // Keep-alive and pipelining settings measured in docs/performance.md.
    undici: {
      connections: config.upstream.connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: config.upstream.timeoutMs,
      bodyTimeout: config.upstream.timeoutMs,
    },
  });

  // Fastify 5 only routes the methods it knows (GET…QUERY); WebDAV and the
  // other methods Node parses (PROPFIND, MKCOL, LOCK, REPORT…) would otherwise
  // get Gatehouse's 404 instead of reaching the intranet. CONNECT is not a
  // request Node hands to the router at all.
  for (const method of METHODS) {
    if (method === 'CONNECT' || (app.supportedMethods as string[]).includes(method)) continue;
    app.addHttpMethod(method, { hasBody: true });
  }

  // Bodies are never parsed here: the raw stream goes to the intranet as is,
  // so 1 GB uploads pass with flat memory and no body limit of ours applies.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  // Declared up front so every request object has the same shape from birth
  // (Fastify's advice: adding a property per request changes its hidden class).
  app.decorateRequest('gate', null);

  const upstreamBase = upstream.pathname.replace(/\/$/, '');
  const sessionCookie = config.identity.sessionCookie;

  // The gate, in a callback-style hook: a known user's request (cached
  // identity, in-memory store) is judged without a promise, and the hook
  // continues synchronously (docs/performance.md). Only what needs I/O waits.
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const outcome = evaluateNow(s, { method: req.method, url: req.url, headers: req.headers, socketAddress: req.socket.remoteAddress });
    if (outcome instanceof Promise) outcome.then((o) => gate(req, reply, o, done)).catch(done);
    else gate(req, reply, outcome, done);
  });

  /**
   * The re-issued session cookie, signed at most once per session per second.
   * Every request of a client that does not keep cookies (a script, a load
   * test), and every parallel request of a browser at the moment of renewal,
   * carries the old cookie: signing each anew cost ≈ 60 µs of CPU per request
   * (HMAC objects and unique strings are GC work; docs/performance.md), so
   * they share the one cookie signed in that second. The cookie jar's verify
   * cache hands out one claim object per cookie value, which keys this map.
   */
  const renewed = new WeakMap<SessionClaim, { second: number; setCookie: string }>();
  function refreshedSessionCookie(claim: SessionClaim, now: number): string {
    const second = Math.floor(now / 1000);
    const hit = renewed.get(claim);
    if (hit && hit.second === second) return hit.setCookie;
    const setCookie = s.cookies.serialize(COOKIE.session, s.cookies.signSession({ ...claim, activeAt: now }), null);
    renewed.set(claim, { second, setCookie });
    return setCookie;
  }

  /** Forwards (done()) or answers from here (and then never calls done: Fastify's way to stop a callback hook). */
  function gate(req: FastifyRequest, reply: FastifyReply, outcome: GateOutcome, done: (err?: Error) => void): void {
    switch (outcome.kind) {
      case 'bad_path':
        sendError(s, req, reply, 'GH_ERR_BAD_PATH', { reason: outcome.reason });
        return;
      case 'own':
        // Under the prefix but not one of our routes: never forwarded.
        sendError(s, req, reply, 'GH_ERR_NOT_FOUND');
        return;
      case 'unavailable':
        req.log.warn({ err: outcome.error.message, what: outcome.what }, 'fail closed: dependency unavailable');
        sendError(s, req, reply, outcome.what === 'store' ? 'GH_ERR_STORE_UNAVAILABLE' : 'GH_ERR_IDENTITY_UNAVAILABLE');
        return;
      case 'decided': {
        const { decision, ctx } = outcome;
        if (decision.action !== 'forward') {
          req.gate = { ctx, refreshSession: null, rule: decision.rule, firstFactorPost: false };
          sendDecision(s, req, reply, decision, ctx.path + ctx.query);
          return;
        }
        let refreshSession: string | null = null;
        const claim = ctx.claims.session;
        if (decision.rule === 'session' && claim && ctx.now - claim.activeAt > refreshEvery(s.runtime.live.config.twoFactor.session.idleTimeoutMs)) {
          refreshSession = refreshedSessionCookie(claim, ctx.now);
        }
        // A form post to a first-factor page (the intranet's login or logout,
        // which bypass rules let through) may start a new login on the *same*
        // credential: PHP-style intranets keep the session id across logout and
        // login and send no Set-Cookie, so without this the cached identity (up
        // to lookup.cacheTtl) and the 2FA session of the previous login carried
        // over to the next one, even to another user (DESIGN section 4).
        const firstFactorPost = decision.rule === 'bypass' && ctx.cred !== null && !SAFE_METHODS.has(req.method);
        req.gate = { ctx, refreshSession, rule: decision.rule, firstFactorPost };
        done();
        return;
      }
    }
  }

  // One options object for every forwarded request (reply-from passes the
  // request to each callback): no closures allocated per request.
  const forwardOptions = {
    // reply-from retries a GET answered 503 up to 10 times by default: the
    // intranet's own 503 is its answer, and a repeated request is not ours to make.
    retryDelay: () => null,
    rewriteRequestHeaders: (req: FastifyRequest, headers: IncomingHttpHeaders) => {
      const { ctx } = req.gate!;
      return forwardHeaders(headers, {
        clientIp: ctx.clientIp,
        peerIp: ctx.peerIp,
        fromTrustedProxy: ctx.fromTrustedProxy,
        proto: ctx.proto,
        host: ctx.host,
        // credentialOf already removed Gatehouse's cookies; no credential means no cookie left.
        cookie: ctx.cred ? ctx.cred.cookie : undefined,
      });
    },
    rewriteHeaders: (upstreamHeaders: IncomingHttpHeaders, req?: FastifyRequest) => {
      const headers = stripResponseHopByHop(upstreamHeaders);
      const g = req!.gate!;
      const { ctx } = g;
      if (sessionCookie && ctx.cred && setsCookie(headers['set-cookie'], sessionCookie)) {
        // The intranet started or ended a login on this credential: forget
        // the cached identity and end the 2FA session (DESIGN section 4).
        s.identity.forget(ctx.cred.hash);
        return appendSetCookie(headers, s.cookies.clear(COOKIE.session));
      }
      if (g.firstFactorPost && ctx.cred && (headers.location !== undefined || headers['set-cookie'] !== undefined)) {
        // A completed login or logout (the usual redirect after the form, or
        // cookies set) that kept the session id: forget again (a look-up
        // may have raced the login) and end the 2FA session and any
        // "skip for now", which belong to the previous login.
        s.identity.forget(ctx.cred.hash);
        return appendSetCookie(appendSetCookie(headers, s.cookies.clear(COOKIE.session)), s.cookies.clear(COOKIE.skip));
      }
      if (g.refreshSession) return appendSetCookie(headers, g.refreshSession);
      return headers;
    },
    onError: (reply: FastifyReply, { error }: { error: Error }) => {
      const code = (error as { statusCode?: number }).statusCode === 504 ? 'GH_ERR_UPSTREAM_TIMEOUT' : 'GH_ERR_UPSTREAM';
      reply.request.log.warn({ err: { message: error.message, code: (error as { code?: string }).code } }, 'upstream error');
      sendError(s, reply.request, reply, code);
    },
  };

  const handler = (req: FastifyRequest, reply: FastifyReply) => {
    const g = req.gate;
    if (!g) return sendError(s, req, reply, 'GH_ERR_INTERNAL');
    const { ctx } = g;
    if (g.firstFactorPost) s.identity.forget(ctx.cred!.hash);
    // The upstream receives exactly the path that was judged, and the query as sent:
    // the source carries no query, so reply-from appends req.url's own, byte for
    // byte. Passing ctx.query in the source sent it through WHATWG URL parsing
    // (`'` and raw UTF-8 re-encoded) and through reply-from's path-traversal
    // check, which decodes the whole source: `?next=../x` became a 400 and
    // `?q=%E9` (not UTF-8) a 500.
    return reply.from(upstreamBase + ctx.path, forwardOptions as unknown as Parameters<FastifyReply['from']>[1]);
  };

  app.route({ method: app.supportedMethods as string[], url: '/', handler });
  app.route({ method: app.supportedMethods as string[], url: '/*', handler });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

function setsCookie(setCookie: unknown, name: string): boolean {
  if (!setCookie) return false;
  const list = Array.isArray(setCookie) ? setCookie : [setCookie];
  const prefix = name + '=';
  return list.some((c) => typeof c === 'string' && c.trimStart().startsWith(prefix));
}

function appendSetCookie<T extends Record<string, unknown>>(headers: T, cookie: string): T {
  const existing = headers['set-cookie'];
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  return { ...headers, 'set-cookie': [...list, cookie] };
}

/**
 * What every second-factor page handler starts with: the request context,
 * the intranet identity (pages are only for logged-in users), the user's
 * state, the page branding and the CSRF token bound to this login.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf, identify, type RequestContext } from '../gate/evaluate.js';
import { sendError } from '../gate/respond.js';
import type { Services } from '../gate/services.js';
import { IdentityUnavailableError } from '../identity/index.js';
import { safeReturnPath } from '../net/index.js';
import { brandFor, type Brand } from '../pages/index.js';
import type { Identity } from '../policy/types.js';
import { csrfToken, checkCsrf } from '../session/index.js';
import type { AuditEvent, UserState } from '../store/types.js';

export interface PageContext {
  ctx: RequestContext;
  identity: Identity;
  state: UserState | null;
  brand: Brand;
  csrf: string;
  /** Validated same-origin return path. */
  rd: string;
}

/** Builds the page context or answers (redirect to the intranet's login, 503, 400) and returns null. */
export async function pageContext(s: Services, req: FastifyRequest, reply: FastifyReply, rdInput: unknown): Promise<PageContext | null> {
  const c = contextOf(s, { method: req.method, url: req.url, headers: req.headers, socketAddress: req.socket.remoteAddress });
  if ('bad' in c) {
    sendError(s, req, reply, 'GH_ERR_BAD_PATH');
    return null;
  }
  const { config } = s.runtime.live;
  const rd = safeReturnPath(typeof rdInput === 'string' ? rdInput : undefined, config.server.prefix);
  let identity: Identity | null;
  try {
    identity = await identify(s, req.headers, c);
  } catch (err) {
    if (err instanceof IdentityUnavailableError) {
      sendError(s, req, reply, 'GH_ERR_IDENTITY_UNAVAILABLE');
      return null;
    }
    throw err;
  }
  if (!identity) {
    // Not logged in to the intranet: its own login page takes over, and
    // brings the user back through the gate afterwards.
    if (req.method === 'GET') {
      reply.code(302).headers({ location: new URL(rd, s.publicUrl).href, 'cache-control': 'no-store' }).send();
    } else {
      sendError(s, req, reply, 'GH_ERR_NOT_LOGGED_IN');
    }
    return null;
  }
  let state: UserState | null;
  try {
    state = await s.store.getUser(identity.user);
  } catch (err) {
    req.log.warn({ err: (err as Error).message }, 'store unavailable');
    sendError(s, req, reply, 'GH_ERR_STORE_UNAVAILABLE');
    return null;
  }
  c.state = state;
  return {
    ctx: c,
    identity,
    state,
    brand: brandFor(config.pages, config.server.prefix, req.headers['accept-language']),
    csrf: csrfToken(s.cookieKeys[0]!, identity.credential, identity.user),
    rd,
  };
}

/** Checks the form's CSRF token; answers 403 and returns false when it is missing or wrong. */
export function csrfOk(s: Services, req: FastifyRequest, reply: FastifyReply, p: PageContext, token: unknown): boolean {
  if (checkCsrf(s.cookieKeys, p.identity.credential, p.identity.user, token)) return true;
  req.log.warn({ user: p.identity.user }, 'CSRF token missing or invalid');
  sendError(s, req, reply, 'GH_ERR_CSRF');
  return false;
}

export function auditEvent(req: FastifyRequest, p: { ctx: RequestContext }, e: Pick<AuditEvent, 'type' | 'user'> & Partial<AuditEvent>): AuditEvent {
  return {
    at: p.ctx.now,
    actor: e.user,
    ip: p.ctx.clientIp,
    userAgent: String(req.headers['user-agent'] ?? '').slice(0, 200),
    detail: {},
    ...e,
  };
}

export function redirect(s: Services, reply: FastifyReply, path: string, cookies: string[] = []): FastifyReply {
  if (cookies.length) reply.header('set-cookie', cookies);
  // 303: the browser follows with GET after a form post.
  return reply.code(303).headers({ location: new URL(path, s.publicUrl).href, 'cache-control': 'no-store' }).send();
}

export type FormBody = Record<string, string | string[] | undefined>;

export function field(body: unknown, name: string): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const v = (body as FormBody)[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
}

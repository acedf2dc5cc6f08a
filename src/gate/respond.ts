/** Turns gate outcomes and typed errors into responses: HTML pages for browsers, JSON for everything else. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, type ErrorCode } from '../errors.js';
import { brandFor, messagePage, pageSecurityHeaders, lockedPage } from '../pages/index.js';
import type { Decision } from '../policy/types.js';
import type { Services } from './services.js';

/** A browser navigation: GET/HEAD that accepts HTML (DESIGN section 3, step 6). */
export function isNavigation(method: string, accept: string | undefined): boolean {
  return (method === 'GET' || method === 'HEAD') && !!accept && accept.includes('text/html');
}

export function sendPage(s: Services, reply: FastifyReply, status: number, body: string): FastifyReply {
  const pages = s.runtime.live.config.pages;
  return reply.code(status).headers(pageSecurityHeaders(pages.logoUrl)).type('text/html; charset=utf-8').send(body);
}

export function sendError(
  s: Services,
  req: FastifyRequest,
  reply: FastifyReply,
  code: ErrorCode,
  extra: Record<string, unknown> = {},
  statusOverride?: number,
  /** JSON even for a client that accepts HTML (see sendDecision). */
  forceJson = false,
): FastifyReply {
  const spec = { ...ERRORS[code], status: statusOverride ?? ERRORS[code].status };
  const { config } = s.runtime.live;
  if (!forceJson && req.headers.accept?.includes('text/html')) {
    const b = brandFor(config.pages, config.server.prefix, req.headers['accept-language']);
    const body =
      code === 'GH_ERR_LOCKED' && typeof extra.lockedUntil === 'number'
        ? lockedPage(b, extra.lockedUntil, s.now())
        : messagePage(b, b.t('error.title'), b.t(spec.text, { title: config.pages.title }), spec.status >= 500 ? { href: req.url, label: b.t('error.retry') } : undefined, { tone: 'error' });
    if (spec.status === 503) reply.header('retry-after', '5');
    return sendPage(s, reply, spec.status, body);
  }
  if (spec.status === 503) reply.header('retry-after', '5');
  return reply
    .code(spec.status)
    .headers({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
    .type('application/json; charset=utf-8')
    .send(JSON.stringify({ error: code, message: spec.description, ...extra }));
}

/** Where a decision that needs the user sends a browser. */
export function pageFor(prefix: string, d: Decision, returnTo: string): string {
  const rd = encodeURIComponent(returnTo);
  switch (d.action) {
    case 'enrol':
      return `${prefix}/enrol?rd=${rd}`;
    case 'locked':
      return `${prefix}/locked?rd=${rd}`;
    default:
      return `${prefix}/challenge?rd=${rd}`;
  }
}

/** Answer for a request the policy did not let through. */
export function sendDecision(s: Services, req: FastifyRequest, reply: FastifyReply, d: Decision, returnTo: string): FastifyReply {
  const { prefix } = s.runtime.live.config.server;
  if (d.action === 'deny') return sendError(s, req, reply, 'GH_ERR_FORBIDDEN', { reason: d.reason });
  if (isNavigation(req.method, req.headers.accept)) {
    // Absolute on server.publicUrl: a forged Host header never picks the target.
    const location = new URL(pageFor(prefix, d, returnTo), s.publicUrl).href;
    return reply.code(302).headers({ location, 'cache-control': 'no-store' }).send();
  }
  const code: ErrorCode = d.action === 'enrol' ? 'GH_ERR_ENROLMENT_REQUIRED' : d.action === 'locked' ? 'GH_ERR_LOCKED' : 'GH_ERR_SECOND_FACTOR_REQUIRED';
  // Always JSON (issue 3 §6: "Non-GET and non-HTML requests get 401 JSON"),
  // also for a browser's form POST that accepts HTML: the caller gets a
  // machine-readable answer with the page to send the user to.
  return sendError(s, req, reply, code, {
    reason: d.reason,
    location: new URL(pageFor(prefix, d, returnTo), s.publicUrl).href,
    ...(d.lockedUntil ? { lockedUntil: d.lockedUntil } : {}),
  }, 401, true);
}

/** Gatehouse's small routes: health, readiness, whoami (for admins debugging a set-up) and the static assets pages use. */
import type { FastifyInstance } from 'fastify';
import { contextOf, identify } from '../gate/evaluate.js';
import { sendError } from '../gate/respond.js';
import type { Services } from '../gate/services.js';
import { IdentityUnavailableError } from '../identity/index.js';
import { readiness } from '../ops/index.js';
import { BASE_CSS, PAGE_JS, themeCss } from '../pages/index.js';

export function registerBasics(app: FastifyInstance, s: Services): void {
  const prefix = s.runtime.live.config.server.prefix;

  app.get(`${prefix}/healthz`, async (_req, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));

  // Liveness (healthz) answers from memory only, so a slow store or intranet
  // never gets the process restarted; readiness (readyz) asks them.
  app.get(`${prefix}/readyz`, async (_req, reply) => {
    const r = await readiness(s);
    return reply.code(r.ready ? 200 : 503).header('cache-control', 'no-store').send(r.body);
  });

  app.get(`${prefix}/whoami`, async (req, reply) => {
    const c = contextOf(s, { method: req.method, url: req.url, headers: req.headers, socketAddress: req.socket.remoteAddress });
    if ('bad' in c) return sendError(s, req, reply, 'GH_ERR_BAD_PATH');
    let identity = null;
    try {
      identity = await identify(s, req.headers, c);
    } catch (err) {
      if (err instanceof IdentityUnavailableError) return sendError(s, req, reply, 'GH_ERR_IDENTITY_UNAVAILABLE');
      throw err;
    }
    return reply.header('cache-control', 'no-store').send({
      identity: identity ? { user: identity.user, groups: identity.groups, roles: identity.roles, source: identity.source } : null,
      clientIp: c.clientIp,
      peerIp: c.peerIp,
      fromTrustedProxy: c.fromTrustedProxy,
      secondFactor: {
        session: c.claims.session ? c.claims.session.user === identity?.user : false,
        rememberedDevice: c.claims.device ? c.claims.device.user === identity?.user : false,
      },
    });
  });

  const asset = (type: string, body: () => string) => async (_req: unknown, reply: import('fastify').FastifyReply) =>
    reply.headers({ 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' }).type(type).send(body());
  app.get(`${prefix}/static/gatehouse.css`, asset('text/css; charset=utf-8', () => BASE_CSS));
  app.get(`${prefix}/static/theme.css`, asset('text/css; charset=utf-8', () => themeCss(s.runtime.live.config.pages.accentColor)));
  app.get(`${prefix}/static/gatehouse.js`, asset('text/javascript; charset=utf-8', () => PAGE_JS));
}

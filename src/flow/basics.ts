/** Gatehouse's small routes: health, readiness, whoami (for admins debugging a set-up) and the static assets pages use. */
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { contextOf } from '../gate/evaluate.js';
import { sendError } from '../gate/respond.js';
import type { Services } from '../gate/services.js';
import { IdentityUnavailableError } from '../identity/index.js';
import { BASE_CSS, PAGE_JS, themeCss } from '../pages/index.js';

export interface ReadinessCheck {
  ok: boolean;
  detail?: string;
}

async function checkUpstream(url: string): Promise<ReadinessCheck> {
  try {
    const res = await request(url, { method: 'HEAD', headersTimeout: 2000, bodyTimeout: 2000 });
    await res.body.dump();
    // Any answer means the intranet is up; only a failed connection is "down".
    return { ok: true, detail: `HTTP ${res.statusCode}` };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

export function registerBasics(app: FastifyInstance, s: Services): void {
  const prefix = s.runtime.live.config.server.prefix;

  app.get(`${prefix}/healthz`, async (_req, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));

  app.get(`${prefix}/readyz`, async (_req, reply) => {
    const live = s.runtime.live;
    const [store, upstream] = await Promise.all([
      s.store.ping().then(
        () => ({ ok: true }) as ReadinessCheck,
        (err: unknown) => ({ ok: false, detail: (err as Error).message }) as ReadinessCheck,
      ),
      checkUpstream(live.config.upstream.url),
    ]);
    const policy: ReadinessCheck = { ok: true, detail: `version ${live.version} loaded ${new Date(live.loadedAt).toISOString()}` };
    const ready = store.ok && upstream.ok && policy.ok;
    return reply.code(ready ? 200 : 503).header('cache-control', 'no-store').send({ status: ready ? 'ready' : 'not ready', checks: { policy, store, upstream } });
  });

  app.get(`${prefix}/whoami`, async (req, reply) => {
    const c = contextOf(s, { method: req.method, url: req.url, headers: req.headers, socketAddress: req.socket.remoteAddress });
    if ('bad' in c) return sendError(s, req, reply, 'GH_ERR_BAD_PATH');
    let identity = null;
    try {
      identity = await s.identity.resolve({ headers: req.headers, fromTrustedProxy: c.fromTrustedProxy, clientIp: c.clientIp, proto: c.proto, host: c.host }, c.cred);
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

/**
 * Builds the Fastify app from the parts: the gate and proxy for everything
 * outside server.prefix, Gatehouse's own pages inside it. Building is a
 * function with its dependencies passed in, so tests build the real thing
 * with a test store and clock (STYLE 9).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { GatehouseConfig } from './config/types.js';
import { ERRORS } from './errors.js';
import { flowPlugin, FORM_BODY_LIMIT } from './flow/index.js';
import { createRuntime, type Runtime } from './gate/runtime.js';
import { sendError } from './gate/respond.js';
import { createSeenTracker } from './gate/seen.js';
import type { Services } from './gate/services.js';
import { createIdentityResolver } from './identity/index.js';
import { canonicalIp, createClientIpResolver } from './net/index.js';
import { compileCidrSet } from './policy/index.js';
import { proxyPlugin } from './proxy/plugin.js';
import { createUpgradeHandler } from './proxy/websocket.js';
import { resolveSecrets } from './server/secrets.js';
import { createCookieJar } from './session/index.js';
import type { AuditEvent, Store } from './store/types.js';
import { createSealer } from './totp/index.js';
import { adminPlugin } from './admin/index.js';

export interface AppOptions {
  config: GatehouseConfig;
  store: Store;
  now?: () => number;
  /** A pino logger, or false for silence (tests). Default: JSON to stdout at config.log.level. */
  logger?: FastifyBaseLogger | false;
}

export interface GatehouseApp {
  app: FastifyInstance;
  services: Services;
  runtime: Runtime;
  /** Open upgraded (WebSocket) connections, for graceful stop and metrics. */
  openUpgrades(): number;
  close(): Promise<void>;
}

/** Paths of log records that may hold a secret: redacted by pino before anything is written. */
export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-gatehouse-token"]',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  'code',
  'secret',
  'token',
  'body.code',
  'body.csrf',
  'body.codes',
  '*.code',
  '*.secret',
  '*.token',
];

export async function buildApp(opts: AppOptions): Promise<GatehouseApp> {
  const { config, store } = opts;
  const now = opts.now ?? Date.now;
  const secrets = resolveSecrets(config);
  const app = Fastify({
    ...(opts.logger === false
      ? { logger: false }
      : opts.logger
        ? { loggerInstance: opts.logger }
        : { logger: { level: config.log.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } } }),
    // Request logging is ours (onResponse, fields operators expect) and off the hot path by default.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: false,
    bodyLimit: FORM_BODY_LIMIT,
    // Uploads to the intranet may take long; slow-loris header dribbling may not.
    requestTimeout: 0,
    connectionTimeout: 0,
    keepAliveTimeout: 72_000,
    http: { headersTimeout: 30_000, maxHeaderSize: 32 * 1024 },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    exposeHeadRoutes: true,
    routerOptions: { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, caseSensitive: true },
  } as unknown as FastifyServerOptions) as unknown as FastifyInstance;

  const runtime = createRuntime(config, now);
  const proxies = compileCidrSet(config.network.trustedProxies);
  const isTrusted = (addr: string | undefined) => proxies.size > 0 && proxies.match(canonicalIp(addr ?? '') ?? '') !== null;
  const services: Services = {
    runtime,
    store,
    identity: createIdentityResolver(config, now),
    cookies: createCookieJar({ keys: secrets.cookieKeys, secure: config.server.publicUrl.startsWith('https:') }),
    cookieKeys: secrets.cookieKeys,
    sealer: createSealer(secrets.encryptionKey, secrets.previousEncryptionKeys),
    clientIp: createClientIpResolver(config.network.trustedProxies),
    isTrustedProxy: isTrusted,
    now,
    publicUrl: new URL(config.server.publicUrl),
    log: app.log,
    seen: createSeenTracker(store, (err) => app.log.warn({ err: (err as Error).message }, 'could not record last-seen')),
    audit: async (e: AuditEvent) => {
      // The log line is written even when the store is down: the trail must not have holes.
      app.log.info({ audit: { ...e, at: new Date(e.at).toISOString() } }, `audit ${e.type}`);
      try {
        await store.audit(e);
      } catch (err) {
        app.log.error({ err: (err as Error).message, type: e.type }, 'could not store audit event');
      }
    },
  };

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(services, req, reply, 'GH_ERR_TOO_LARGE');
    if (err.statusCode === 400 || err.code === 'FST_ERR_BAD_URL') return sendError(services, req, reply, 'GH_ERR_BAD_PATH');
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendError(services, req, reply, 'GH_ERR_BAD_PATH');
    req.log.error({ err: { message: err.message, code: err.code, stack: err.stack } }, 'unhandled error');
    return sendError(services, req, reply, 'GH_ERR_INTERNAL');
  });
  app.setNotFoundHandler((req, reply) => sendError(services, req, reply, 'GH_ERR_NOT_FOUND'));

  if (config.log.access) {
    app.addHook('onResponse', async (req, reply) => {
      req.log.info({
        method: req.method,
        path: req.gate?.ctx.path ?? req.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        user: req.gate?.ctx.identity?.user,
        ip: req.gate?.ctx.clientIp ?? req.socket.remoteAddress,
        decision: req.gate?.rule,
      }, 'access');
    });
  }

  await app.register(async (child) => flowPlugin(child, services));
  await app.register(async (child) => adminPlugin(child, services));
  await app.register(async (child) => proxyPlugin(child, services));

  const upgrades = createUpgradeHandler(services);
  app.server.on('upgrade', upgrades.handle);

  return {
    app,
    services,
    runtime,
    openUpgrades: () => upgrades.tracker.open.size,
    async close() {
      for (const sock of upgrades.tracker.open) sock.destroy();
      await app.close();
      await services.identity.close();
    },
  };
}

export { ERRORS };

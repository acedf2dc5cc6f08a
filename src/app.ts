/**
 * Builds the Fastify app from the parts: the gate and proxy for everything
 * outside server.prefix, Gatehouse's own pages inside it. Building is a
 * function with its dependencies passed in, so tests build the real thing
 * with a test store and clock (STYLE 9).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions, type FastifyRequest, type FastifyReply } from 'fastify';
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
import { accessLogHook, createLogger, goingAway, readTls, requestIdGenerator, type Metrics } from './ops/index.js';

export interface AppOptions {
  config: GatehouseConfig;
  store: Store;
  now?: () => number;
  /** A pino logger, or false for silence (tests). Default: JSON to stdout at config.log.level, secrets redacted. */
  logger?: FastifyBaseLogger | false;
  /** Prometheus metrics (ops/metrics.ts); absent = no metrics hooks at all. */
  metrics?: Metrics;
}

export interface GatehouseApp {
  app: FastifyInstance;
  services: Services;
  runtime: Runtime;
  /** Open upgraded (WebSocket) connections, for graceful stop and metrics. */
  openUpgrades(): number;
  close(): Promise<void>;
}

/** Paths redacted from every log record (kept exported here for existing importers). */
export { REDACT_PATHS } from './ops/index.js';

export async function buildApp(opts: AppOptions): Promise<GatehouseApp> {
  const { config, store } = opts;
  const now = opts.now ?? Date.now;
  const secrets = resolveSecrets(config);
  const proxies = compileCidrSet(config.network.trustedProxies);
  const isTrusted = (addr: string | undefined) => proxies.size > 0 && proxies.match(canonicalIp(addr ?? '') ?? '') !== null;
  const tls = readTls(config);
  let servicesRef: Services | undefined;
  const app = Fastify({
    ...(opts.logger === false ? { logger: false } : { loggerInstance: opts.logger ?? createLogger(config.log.level) }),
    genReqId: requestIdGenerator(isTrusted),
    // A URL the router cannot even decode gets Gatehouse's 400 page and headers, not Fastify's JSON.
    frameworkErrors: (err: Error, req: FastifyRequest, reply: FastifyReply) => {
      if (!servicesRef) return reply.code(400).send();
      return sendError(servicesRef, req, reply, 'GH_ERR_BAD_PATH', { reason: err.message });
    },
    // HTTP/1.1 only, also with TLS: see docs/operations.md (TLS) for why not HTTP/2.
    ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
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
  const services: Services = (servicesRef = {
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
      opts.metrics?.audit(e);
      try {
        await store.audit(e);
      } catch (err) {
        app.log.error({ err: (err as Error).message, type: e.type }, 'could not store audit event');
      }
    },
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(services, req, reply, 'GH_ERR_TOO_LARGE');
    if (err.statusCode === 400 || err.code === 'FST_ERR_BAD_URL') return sendError(services, req, reply, 'GH_ERR_BAD_PATH');
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendError(services, req, reply, 'GH_ERR_BAD_PATH');
    // A store that went away between a page's first read and its write (Redis
    // dropped mid-request) is a 503 with Retry-After, not a 500: probe it.
    return services.store.ping().then(
      () => {
        req.log.error({ err: { message: err.message, code: err.code, stack: err.stack } }, 'unhandled error');
        return sendError(services, req, reply, 'GH_ERR_INTERNAL');
      },
      () => {
        req.log.warn({ err: { message: err.message, code: err.code } }, 'store unavailable during the request');
        return sendError(services, req, reply, 'GH_ERR_STORE_UNAVAILABLE');
      },
    );
  });
  app.setNotFoundHandler((req, reply) => sendError(services, req, reply, 'GH_ERR_NOT_FOUND'));

  if (config.log.access) app.addHook('onResponse', accessLogHook);
  if (opts.metrics) app.addHook('onSend', opts.metrics.onSend);

  await app.register(async (child) => flowPlugin(child, services));
  await app.register(async (child) => adminPlugin(child, services));
  await app.register(async (child) => proxyPlugin(child, services));

  const upgrades = createUpgradeHandler(services);
  app.server.on('upgrade', upgrades.handle);
  opts.metrics?.bind({
    identity: () => services.identity.stats,
    websockets: () => upgrades.tracker.open.size,
    runtime,
    ...(tls ? { tlsNotAfter: () => tls.notAfter } : {}),
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    services,
    runtime,
    openUpgrades: () => upgrades.tracker.open.size,
    close() {
      // One shared stop: a second caller (signal and test teardown) waits for the first.
      closing ??= (async () => {
        // WebSockets are not requests in flight: the server would wait for them forever.
        for (const sock of upgrades.tracker.open) goingAway(sock);
        await app.close();
        await services.identity.close();
      })();
      return closing;
    },
  };
}

export { ERRORS };

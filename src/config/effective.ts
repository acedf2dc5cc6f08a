/**
 * Validated raw config → the effective `GatehouseConfig`: durations in ms,
 * listen split into host and port, dataDir absolute, everything frozen so no
 * module can change the config another module is reading.
 */
import { dirname, resolve } from 'node:path';
import { parseDuration } from './duration.js';
import type { RawConfig } from './schema.js';
import type { Extractor, GatehouseConfig, PolicyConfig } from './types.js';

type RawPolicy = Pick<RawConfig, 'twoFactor' | 'bypass' | 'admin' | 'pages'>;

/** Only called on validated input, where every duration parses. */
const ms = (d: string): number => parseDuration(d)!;

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export function toPolicy(p: RawPolicy): PolicyConfig {
  const tf = p.twoFactor;
  return {
    twoFactor: {
      enabledFor: { ...tf.enabledFor },
      exempt: { ...tf.exempt },
      enforce: tf.enforce,
      skip: { gracePeriodMs: tf.skip.gracePeriod === null ? null : ms(tf.skip.gracePeriod) },
      rememberDevices: { ...tf.rememberDevices },
      trustedIps: [...tf.trustedIps],
      enrolment: { allowFrom: tf.enrolment.allowFrom },
      issuer: tf.issuer,
      lockout: { maxFailures: tf.lockout.maxFailures, windowMs: ms(tf.lockout.window), durationMs: ms(tf.lockout.duration) },
      session: { maxAgeMs: ms(tf.session.maxAge), idleTimeoutMs: ms(tf.session.idleTimeout) },
      totp: { ...tf.totp },
    },
    bypass: [...p.bypass],
    admin: { users: [...p.admin.users], groups: [...p.admin.groups] },
    pages: { ...p.pages, texts: structuredClone(p.pages.texts) },
  };
}

function splitListen(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(colon + 1)) };
}

/** Extractors from the validator are `{ json }`-style objects with exactly one key. */
const extractor = (e: unknown): Extractor | null => (e === null ? null : ({ ...(e as Extractor) }));

export function toEffective(c: RawConfig, file: string): GatehouseConfig {
  const id = c.identity;
  const config: GatehouseConfig = {
    file,
    server: {
      listen: splitListen(c.server.listen),
      // Normalised (lower-case host, no trailing slash) so modules can concatenate paths to it.
      publicUrl: new URL(c.server.publicUrl).origin,
      prefix: c.server.prefix,
      // Relative to the config file, so the service works whatever its working directory.
      dataDir: resolve(file ? dirname(file) : process.cwd(), c.server.dataDir),
      workers: c.server.workers,
      tls: c.server.tls === null ? null : { cert: c.server.tls.cert, key: c.server.tls.key },
      shutdownTimeoutMs: ms(c.server.shutdownTimeout),
    },
    upstream: { url: c.upstream.url, timeoutMs: ms(c.upstream.timeout), connections: c.upstream.connections },
    network: { trustedProxies: [...c.network.trustedProxies] },
    identity: {
      source: id.source,
      sessionCookie: id.sessionCookie,
      header: { ...id.header },
      lookup: {
        path: id.lookup.path,
        // Checked non-null for source 'lookup'; with 'header' a placeholder nobody reads.
        user: extractor(id.lookup.user) ?? { json: 'username' },
        groups: extractor(id.lookup.groups),
        roles: extractor(id.lookup.roles),
        cacheTtlMs: ms(id.lookup.cacheTtl),
        timeoutMs: ms(id.lookup.timeout),
        anonymousStatuses: [...id.lookup.anonymousStatuses],
      },
    },
    store: { type: c.store.type, redis: { ...c.store.redis } },
    policy: { source: c.policy.source },
    secrets: {
      cookieKeys: [...c.secrets.cookieKeys],
      encryptionKey: c.secrets.encryptionKey,
      previousEncryptionKeys: [...c.secrets.previousEncryptionKeys],
    },
    api: { tokens: c.api.tokens.map((t) => ({ name: t.name, token: t.token })) },
    metrics: { listen: c.metrics.listen },
    log: { ...c.log },
    ...toPolicy(c),
  };
  return deepFreeze(config);
}

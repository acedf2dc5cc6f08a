/**
 * Turns `store.redis.url` into an ioredis client that fails fast and heals.
 *
 * URL forms (userinfo is always the password / ACL user of the Redis data
 * nodes; parts in [] are optional):
 *
 *   redis://[[user]:password@]host[:6379][/db]            one server
 *   rediss://…                                            the same over TLS
 *   redis-sentinel://[[user]:password@]host[:26379][,host2[:26379]…]/masterName[/db]
 *       [?sentinelPassword=…&sentinelUsername=…]          Sentinel-managed primary
 *   rediss-sentinel://…                                   TLS to sentinels and primary
 *   redis-cluster://[[user]:password@]host[:6379][,host2[:port]…]   Redis Cluster (db 0 only)
 *   rediss-cluster://…                                    the same over TLS
 *
 * IPv6 hosts are written in brackets: redis-cluster://[fd00::1]:7000,[fd00::2]:7000
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

export type RedisTarget =
  | { mode: 'single'; url: string }
  | {
      mode: 'sentinel';
      sentinels: { host: string; port: number }[];
      name: string;
      db: number;
      username?: string;
      password?: string;
      sentinelUsername?: string;
      sentinelPassword?: string;
      tls: boolean;
    }
  | { mode: 'cluster'; nodes: { host: string; port: number }[]; username?: string; password?: string; tls: boolean };

export interface ConnectionTuning {
  /** Time allowed to open a TCP/TLS connection. */
  connectTimeoutMs?: number;
  /** Time a command may wait for its reply before failing (a hung server, a partitioned network). */
  commandTimeoutMs?: number;
  /** Upper bound of the reconnect back-off. */
  maxBackoffMs?: number;
}

/** Thrown for an unusable URL. The message never contains the URL: it may carry a password. */
export class RedisUrlError extends Error {
  readonly code = 'GH_ERR_REDIS_URL';
}

const SCHEME = /^(rediss?)(?:-(sentinel|cluster))?:\/\/(?:([^@/]*)@)?([^/?#]+)(\/[^?#]*)?(?:\?([^#]*))?$/;

function hostList(text: string, defaultPort: number): { host: string; port: number }[] {
  return text.split(',').map((part) => {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(part.trim());
    const port = m?.[3] === undefined ? defaultPort : Number(m[3]);
    if (!m || port < 1 || port > 65535) throw new RedisUrlError('store.redis.url: a host in the list is not host[:port]');
    return { host: (m[1] ?? m[2]) as string, port };
  });
}

function userinfo(text: string | undefined): { username?: string; password?: string } {
  if (!text) return {};
  const i = text.indexOf(':');
  const username = decodeURIComponent(i < 0 ? text : text.slice(0, i));
  const password = i < 0 ? undefined : decodeURIComponent(text.slice(i + 1));
  // "redis://:secret@host" is the classic password-only form: no ACL user.
  return { ...(username ? { username } : {}), ...(password !== undefined ? { password } : {}) };
}

function dbNumber(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  if (!/^\d{1,2}$/.test(text)) throw new RedisUrlError('store.redis.url: the database must be a number such as /0');
  return Number(text);
}

export function parseRedisUrl(url: string): RedisTarget {
  const m = SCHEME.exec(url.trim());
  if (!m) {
    throw new RedisUrlError(
      'store.redis.url: expected redis://, rediss://, redis-sentinel://host:26379,…/master or redis-cluster://host:port,…',
    );
  }
  const [, scheme, kind, auth, hosts = '', path = '', query = ''] = m;
  if (!kind) return { mode: 'single', url: url.trim() };
  const tls = scheme === 'rediss';
  const creds = userinfo(auth);
  const params = new URLSearchParams(query);
  const segments = path.split('/').filter(Boolean);
  if (kind === 'cluster') {
    if (segments.length > 0 && segments.join('/') !== '0') {
      throw new RedisUrlError('store.redis.url: Redis Cluster has only database 0; remove the path');
    }
    return { mode: 'cluster', nodes: hostList(hosts, 6379), tls, ...creds };
  }
  const [name, db] = segments.map(decodeURIComponent);
  if (!name || segments.length > 2) {
    throw new RedisUrlError('store.redis.url: a Sentinel URL ends with the master name, e.g. redis-sentinel://host:26379/mymaster');
  }
  const sentinelUsername = params.get('sentinelUsername') ?? undefined;
  const sentinelPassword = params.get('sentinelPassword') ?? undefined;
  return {
    mode: 'sentinel',
    sentinels: hostList(hosts, 26379),
    name,
    db: dbNumber(db),
    tls,
    ...creds,
    ...(sentinelUsername ? { sentinelUsername } : {}),
    ...(sentinelPassword ? { sentinelPassword } : {}),
  };
}

/**
 * The fail-fast, self-healing options. With the offline queue off, a command
 * issued while disconnected is rejected at once instead of waiting for a
 * reconnect that may never come, so the gate answers 503 immediately (fail
 * closed); the retry strategy keeps reconnecting in the background with a
 * capped back-off, so service resumes by itself when Redis is back.
 */
export function connectionOptions(t: ConnectionTuning = {}): RedisOptions {
  const maxBackoff = t.maxBackoffMs ?? 2000;
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: t.connectTimeoutMs ?? 2000,
    commandTimeout: t.commandTimeoutMs ?? 2000,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 10), maxBackoff),
    enableReadyCheck: true,
  };
}

/** Builds the client for a target. Cluster mode is reported so the caller can keep every key in one hash slot. */
export function createRedisClient(url: string, t: ConnectionTuning = {}): { client: Redis | Cluster; mode: RedisTarget['mode'] } {
  const target = parseRedisUrl(url);
  const base = connectionOptions(t);
  if (target.mode === 'single') return { client: new Redis(target.url, base), mode: 'single' };
  if (target.mode === 'sentinel') {
    const { sentinels, name, db, username, password, sentinelUsername, sentinelPassword, tls } = target;
    const client = new Redis({
      ...base,
      sentinels,
      name,
      db,
      ...(username ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(sentinelUsername ? { sentinelUsername } : {}),
      ...(sentinelPassword ? { sentinelPassword } : {}),
      ...(tls ? { tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      // Sentinels are tried in turn; cap that loop like the data connection's.
      sentinelRetryStrategy: base.retryStrategy as (n: number) => number,
    });
    return { client, mode: 'sentinel' };
  }
  const { retryStrategy, enableOfflineQueue, ...nodeOptions } = base;
  const options: ClusterOptions = {
    enableOfflineQueue,
    clusterRetryStrategy: retryStrategy as (n: number) => number,
    redisOptions: {
      ...nodeOptions,
      ...(target.username ? { username: target.username } : {}),
      ...(target.password !== undefined ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
    },
  };
  return { client: new Cluster(target.nodes, options), mode: 'cluster' };
}

/**
 * Resolves true once `client` is ready, false after `timeoutMs`; never
 * rejects. With the offline queue off, a command sent before the first
 * connection is rejected at once, so one-shot users (the CLI, start-up reads)
 * wait here first; the client keeps reconnecting in the background either way.
 */
export function waitForReady(client: Redis | Cluster, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.once('ready', onReady);
  });
}

/** `host:port` of the URL's first server, for messages: never the password. */
export function describeRedisUrl(url: string): string {
  try {
    const t = parseRedisUrl(url);
    if (t.mode === 'single') {
      const u = new URL(t.url);
      return `${u.protocol}//${u.host}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
    }
    const hosts = (t.mode === 'sentinel' ? t.sentinels : t.nodes).map((h) => `${h.host}:${h.port}`).join(',');
    return t.mode === 'sentinel' ? `sentinel ${hosts} (master ${t.name})` : `cluster ${hosts}`;
  } catch {
    return 'the configured Redis';
  }
}

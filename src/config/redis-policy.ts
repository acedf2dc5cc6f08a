/**
 * The policy kept in Redis (`policy.source: redis`), shared by every replica.
 *
 * One hash holds the policy YAML and a version number. Writers compare and
 * set in one Lua script, so two admins (or an admin and `gatehouse policy
 * push`) cannot silently overwrite each other. A change is published on a
 * channel so replicas apply it at once, and each replica also checks the
 * version every second so a missed message never leaves one stale.
 */
import type { Cluster, Redis } from 'ioredis';
import { createRedisClient, describeRedisUrl, waitForReady, type ConnectionTuning } from '../store/redis-connection.js';

const CAS_SCRIPT = `
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
local expected = tonumber(ARGV[2])
if expected >= 0 and expected ~= current then
  return {0, current}
end
local nextVersion = current + 1
redis.call('HSET', KEYS[1], 'yaml', ARGV[1], 'version', nextVersion, 'by', ARGV[3], 'at', ARGV[4])
redis.call('PUBLISH', ARGV[5], nextVersion)
return {1, nextVersion}
`;

export interface StoredPolicy {
  text: string;
  version: number;
  by: string;
  at: number;
}

export type WriteResult = { ok: true; version: number } | { ok: false; conflict: true; currentVersion: number };

export interface WatchOptions {
  /** Every new version seen, by message or by the periodic check. */
  onChange: (p: StoredPolicy) => void;
  /** The first failed check of an outage (not one per second). */
  onError?: (err: Error) => void;
  /** The first successful check after an outage. */
  onRecovered?: () => void;
  intervalMs?: number;
}

export class RedisPolicySource {
  /** Where the policy lives, for messages (never the password). */
  readonly where: string;
  private readonly client: Redis | Cluster;
  private subscriber: Redis | Cluster | null = null;
  private poll: NodeJS.Timeout | null = null;
  private readonly key: string;
  private readonly channel: string;
  private readonly connectTimeoutMs: number;

  constructor(url: string, keyPrefix: string, opts: ConnectionTuning & { onError?: (err: Error) => void } = {}) {
    this.client = createRedisClient(url, opts).client;
    // Without a listener ioredis prints every failed reconnect attempt to stderr.
    this.client.on('error', (err: Error) => opts.onError?.(err));
    this.key = `${keyPrefix}policy`;
    this.channel = `${keyPrefix}policy-changed`;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 2000;
    this.where = `${describeRedisUrl(url)} key ${this.key}`;
  }

  /**
   * Waits (bounded) for the first connection. The client fails fast while
   * disconnected, so a command sent right after construction would be
   * refused: one-shot callers (the CLI, start-up) wait here first.
   */
  ready(timeoutMs = this.connectTimeoutMs + 500): Promise<boolean> {
    return waitForReady(this.client, timeoutMs);
  }

  async read(): Promise<StoredPolicy | null> {
    const h = await this.client.hgetall(this.key);
    if (!h.yaml) return null;
    return { text: h.yaml, version: Number(h.version ?? 0), by: h.by ?? '', at: Number(h.at ?? 0) };
  }

  async version(): Promise<number> {
    return Number((await this.client.hget(this.key, 'version')) ?? 0);
  }

  /**
   * Writes an already-validated policy text. `expectedVersion` -1 writes
   * unconditionally (first seeding, or `policy push --force`).
   */
  async write(text: string, expectedVersion: number, by: string, at: number): Promise<WriteResult> {
    const [ok, version] = (await this.client.eval(CAS_SCRIPT, 1, this.key, text, String(expectedVersion), by, String(at), this.channel)) as [number, number];
    return ok === 1 ? { ok: true, version } : { ok: false, conflict: true, currentVersion: version };
  }

  /** Follows the document: pub/sub for promptness, a version check every `intervalMs` for certainty. */
  watch(opts: WatchOptions): void {
    const intervalMs = opts.intervalMs ?? 1000;
    let seen = -1;
    let busy = false;
    let failing = false;
    const check = async () => {
      if (busy) return;
      busy = true;
      try {
        const v = await this.version();
        if (v !== seen) {
          const p = await this.read();
          if (p && p.version !== seen) {
            seen = p.version;
            opts.onChange(p);
          }
        }
        if (failing) {
          failing = false;
          opts.onRecovered?.();
        }
      } catch (err) {
        if (!failing) {
          failing = true;
          opts.onError?.(err as Error);
        }
      } finally {
        busy = false;
      }
    };
    // The subscriber queues its SUBSCRIBE until connected (a fail-fast
    // client would drop it when started before Redis is reachable) and
    // ioredis subscribes again after every reconnect; a check on each
    // (re)connection catches up with changes made while it was away.
    const c = this.client;
    const sub = c.isCluster ? (c as Cluster).duplicate(undefined, { enableOfflineQueue: true }) : (c as Redis).duplicate({ enableOfflineQueue: true });
    sub.on('error', () => {});
    sub.on('message', () => void check());
    sub.on('ready', () => void check());
    void sub.subscribe(this.channel).catch(() => {});
    this.subscriber = sub;
    this.poll = setInterval(() => void check(), intervalMs);
    this.poll.unref();
    void check();
  }

  async close(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    for (const c of [this.subscriber, this.client]) {
      if (!c) continue;
      // quit() waits for replies in flight; a connection that is down cannot answer (and a
      // queueing subscriber would hold QUIT until Redis returns), so cut it instead.
      if (c.status === 'ready') await c.quit().catch(() => c.disconnect());
      else c.disconnect();
    }
    this.subscriber = null;
  }
}

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
import { createRedisClient } from '../store/redis-connection.js';

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

export class RedisPolicySource {
  private readonly client: Redis | Cluster;
  private subscriber: Redis | Cluster | null = null;
  private poll: NodeJS.Timeout | null = null;
  private readonly key: string;
  private readonly channel: string;

  constructor(url: string, keyPrefix: string) {
    this.client = createRedisClient(url).client;
    this.key = `${keyPrefix}policy`;
    this.channel = `${keyPrefix}policy-changed`;
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

  /** Calls `onChange` with every new version seen, by message or by the one-second check. */
  watch(onChange: (p: StoredPolicy) => void, onError: (err: Error) => void, intervalMs = 1000): void {
    let seen = -1;
    let busy = false;
    const check = async () => {
      if (busy) return;
      busy = true;
      try {
        const v = await this.version();
        if (v !== seen) {
          const p = await this.read();
          if (p && p.version !== seen) {
            seen = p.version;
            onChange(p);
          }
        }
      } catch (err) {
        onError(err as Error);
      } finally {
        busy = false;
      }
    };
    this.subscriber = this.client.duplicate();
    this.subscriber.on('message', () => void check());
    this.subscriber.on('error', () => {});
    void this.subscriber.subscribe(this.channel).catch(onError);
    this.poll = setInterval(() => void check(), intervalMs);
    this.poll.unref();
    void check();
  }

  async close(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    for (const c of [this.subscriber, this.client]) {
      if (!c) continue;
      try {
        await c.quit();
      } catch {
        c.disconnect();
      }
    }
  }
}

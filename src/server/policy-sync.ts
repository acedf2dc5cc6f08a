/**
 * Keeps the live policy in step with Redis when `policy.source: redis`.
 * Seeds Redis from the file's policy sections the first time; afterwards
 * Redis is the source and every change is validated before it is applied —
 * an invalid document leaves the running policy in force.
 *
 * Redis stays the source on this replica too: when something else swaps the
 * policy locally (a SIGHUP reload re-reading the file), the Redis document is
 * read again and, if it differs, put back, so one replica cannot quietly run
 * a policy the others do not.
 *
 * The source is also handed to the services (s.policySource), where the
 * console's Redis sink (admin/redis-sink.ts) saves through it.
 */
import { isDeepStrictEqual } from 'node:util';
import { ConfigError, mergePolicy, parsePolicyDocument, POLICY_KEYS } from '../config/index.js';
import { policyTextOfFile } from '../config/policy-text.js';
import { RedisPolicySource, type StoredPolicy } from '../config/redis-policy.js';
import type { GatehouseConfig } from '../config/types.js';
import type { Services } from '../gate/services.js';

export type PolicySyncEvent =
  | { kind: 'applied'; version: number; why: string }
  /** The document in Redis failed validation: the running policy stays in force. */
  | { kind: 'rejected'; version: number; errors: string[] };

export interface PolicySync {
  source: RedisPolicySource;
  /** Version of the Redis document the live policy came from (0: none yet, running the file's). */
  appliedVersion(): number;
  /** Every document applied or refused, after the fact. Returns the unsubscribe function. */
  onEvent(listener: (e: PolicySyncEvent) => void): () => void;
  stop(): Promise<void>;
}

export interface PolicySyncOptions {
  /** Period of the version check that backs up pub/sub (default 1 s: the one-second promise). */
  intervalMs?: number;
}

const policyOf = (c: GatehouseConfig) => Object.fromEntries((POLICY_KEYS as readonly string[]).map((k) => [k, (c as unknown as Record<string, unknown>)[k]]));

export async function startPolicySync(s: Services, opts: PolicySyncOptions = {}): Promise<PolicySync> {
  const config = s.runtime.live.config;
  const source = new RedisPolicySource(config.store.redis.url, config.store.redis.keyPrefix);
  s.policySource = source;
  const listeners = new Set<(e: PolicySyncEvent) => void>();
  const emit = (e: PolicySyncEvent) => {
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        // A failing listener must not stop the others, nor the sync.
      }
    }
  };
  let applied = { version: 0, text: '' };
  let swapping = false;
  let stopped = false;

  const reject = (p: StoredPolicy, err: unknown) => {
    const errors = err instanceof ConfigError ? err.message.split('\n').filter(Boolean) : [(err as Error).message];
    s.log.error({ version: p.version, errors }, 'policy in redis is invalid: the running policy stays in force');
    emit({ kind: 'rejected', version: p.version, errors });
  };

  const apply = (p: StoredPolicy, why: string, force = false) => {
    // Version and text: a Redis that lost its data starts counting at 1 again.
    if (!force && p.version === applied.version && p.text === applied.text) return;
    let merged: GatehouseConfig;
    try {
      merged = mergePolicy(s.runtime.live.config, parsePolicyDocument(p.text, `redis:${config.store.redis.keyPrefix}policy@v${p.version}`));
    } catch (err) {
      return reject(p, err);
    }
    if (force && isDeepStrictEqual(policyOf(merged), policyOf(s.runtime.live.config))) {
      applied = { version: p.version, text: p.text };
      return;
    }
    swapping = true;
    try {
      // Compiling can still refuse what validated (swap compiles first and keeps the old policy then).
      s.runtime.swap(merged);
    } catch (err) {
      return reject(p, err);
    } finally {
      swapping = false;
    }
    applied = { version: p.version, text: p.text };
    s.log.info({ version: p.version, by: p.by, why }, 'policy applied from redis');
    emit({ kind: 'applied', version: p.version, why });
  };

  s.runtime.onSwap(() => {
    if (swapping || stopped || applied.version === 0) return;
    // After the swap that called us has finished: read Redis and put its policy back if they differ.
    setImmediate(() => {
      if (stopped) return;
      source.read().then(
        (p) => {
          if (p) apply(p, 'local policy change overridden: policy.source is redis', true);
        },
        (err: unknown) => s.log.warn({ err: (err as Error).message }, 'policy source redis unreachable; cannot check a local policy change against it'),
      );
    });
  });

  if (!(await source.ready())) {
    // Redis down at start: run on the file's policy; the watch catches up when it returns.
    s.log.warn({ redis: source.where }, 'policy source redis unreachable at start; using the file until it returns');
  } else {
    try {
      const stored = await source.read();
      if (stored) apply(stored, 'startup');
      else if (config.file) {
        // First start against this Redis: the file's policy becomes the shared one.
        const text = policyTextOfFile(config.file);
        const result = await source.write(text, 0, 'seed:' + config.file, s.now());
        if (result.ok) {
          applied = { version: result.version, text };
          s.log.info({ version: result.version, redis: source.where }, 'policy seeded into redis from the config file');
        }
      }
    } catch (err) {
      s.log.warn({ err: (err as Error).message }, 'policy source redis: could not read or seed the policy at start; using the file until the watch catches up');
    }
  }
  source.watch({
    onChange: (p) => apply(p, 'change'),
    onError: (err) => s.log.warn({ err: err.message }, 'policy watch: redis unreachable; the running policy stays in force'),
    onRecovered: () => s.log.info('policy watch: redis reachable again'),
    ...(opts.intervalMs ? { intervalMs: opts.intervalMs } : {}),
  });
  return {
    source,
    appliedVersion: () => applied.version,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      stopped = true;
      listeners.clear();
      if (s.policySource === source) delete s.policySource;
      await source.close();
    },
  };
}


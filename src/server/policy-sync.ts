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
 * createRedisPolicySink is the console's and the API's way to save into that
 * document (the file sink's counterpart, same outcomes).
 */
import { isDeepStrictEqual } from 'node:util';
import type { PolicyEdit, PolicySink, SaveOutcome } from '../admin/sink.js';
import { diffPolicy, toRawPolicy } from '../admin/policy-raw.js';
import { editYamlText } from '../config/edit.js';
import { ConfigError, mergePolicy, parsePolicyDocument, POLICY_KEYS } from '../config/index.js';
import { policyTextOfFile } from '../config/policy-text.js';
import { RedisPolicySource, type StoredPolicy } from '../config/redis-policy.js';
import type { GatehouseConfig, PolicyConfig } from '../config/types.js';
import type { Services } from '../gate/services.js';
import { describeRedisUrl } from '../store/redis-connection.js';
import { applyLoadedConfig } from './reload.js';

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
      await source.close();
    },
  };
}

/**
 * Saving the console's (or the API's) edits into the Redis document, with the
 * file sink's outcomes: the edit is made on the stored YAML (comments kept),
 * validated as a policy document, and written with compare-and-set on the
 * version the form was loaded with; this replica applies it at once, the
 * others through their sync. A connection is opened per call: saves are rare,
 * and nothing is left open for the app to close.
 */
export function createRedisPolicySink(s: Services): PolicySink {
  const { url, keyPrefix } = s.runtime.live.config.store.redis;
  const name = (v: number | string) => `redis:${keyPrefix}policy@v${v}`;
  const withSource = async <T>(fn: (src: RedisPolicySource) => Promise<T>): Promise<T> => {
    const src = new RedisPolicySource(url, keyPrefix, { onError: () => {} });
    try {
      if (!(await src.ready())) throw new Error(`redis unreachable at ${src.where}`);
      return await fn(src);
    } finally {
      await src.close();
    }
  };
  const where = `${describeRedisUrl(url)} key ${keyPrefix}policy`;
  let queue: Promise<unknown> = Promise.resolve();

  const saveNow = (edit: PolicyEdit, baseVersion: string, actor: string): Promise<SaveOutcome> =>
    withSource(async (src): Promise<SaveOutcome> => {
      const stored = await src.read();
      if (!stored) return { kind: 'failed', message: `no policy in redis (${where}) yet: a replica seeds it from its file when it starts` };
      const version = String(stored.version);
      if (version !== baseVersion) return { kind: 'stale', version, why: 'changed' };
      let current: PolicyConfig;
      try {
        current = parsePolicyDocument(stored.text, name(version));
      } catch (err) {
        if (err instanceof ConfigError) return { kind: 'broken', problems: err.problems };
        throw err;
      }
      // The forms show the running policy: a document this replica has not applied yet must not be edited blind.
      if (!isDeepStrictEqual(policyOf(mergePolicy(s.runtime.live.config, current)), policyOf(s.runtime.live.config))) {
        return { kind: 'stale', version, why: 'unapplied' };
      }
      const raw = toRawPolicy(current);
      const changes = diffPolicy(raw, edit(structuredClone(raw)));
      if (changes.length === 0) return { kind: 'unchanged', version };
      const nextText = editYamlText(stored.text, changes.map((c) => ({ path: c.keyPath, value: c.new })));
      let next: PolicyConfig;
      try {
        next = parsePolicyDocument(nextText, name(stored.version + 1));
      } catch (err) {
        if (err instanceof ConfigError) return { kind: 'invalid', problems: err.problems };
        throw err;
      }
      const written = await src.write(nextText, stored.version, actor, s.now());
      if (!written.ok) return { kind: 'stale', version: String(written.currentVersion), why: 'changed' };
      const applied = await applyLoadedConfig(s, mergePolicy(s.runtime.live.config, next), actor);
      return { kind: 'saved', version: String(written.version), changes, applied };
    }).catch((err: unknown): SaveOutcome => {
      s.log.error({ err: (err as Error).message }, 'could not save the policy to redis');
      return { kind: 'failed', message: `policy not saved: ${(err as Error).message}` };
    });

  return {
    description: `redis ${where}`,
    readOnly: null,
    version: () => withSource(async (src) => String(await src.version())).catch(() => ''),
    save(edit, baseVersion, actor) {
      // One save at a time in this process; compare-and-set in Redis orders them across replicas.
      const run = queue.then(() => saveNow(edit, baseVersion, actor));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

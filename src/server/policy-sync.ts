/**
 * Keeps the live policy in step with Redis when `policy.source: redis`.
 * Seeds Redis from the file's policy sections the first time; afterwards
 * Redis is the source and every change is validated before it is applied —
 * an invalid document leaves the running policy in force.
 */
import { ConfigError, mergePolicy, parsePolicyDocument } from '../config/index.js';
import { policyTextOfFile } from '../config/policy-text.js';
import { RedisPolicySource, type StoredPolicy } from '../config/redis-policy.js';
import type { Services } from '../gate/services.js';

export interface PolicySync {
  source: RedisPolicySource;
  /** Version of the Redis document the live policy came from. */
  appliedVersion(): number;
  stop(): Promise<void>;
}

export async function startPolicySync(s: Services): Promise<PolicySync> {
  const config = s.runtime.live.config;
  const source = new RedisPolicySource(config.store.redis.url, config.store.redis.keyPrefix);
  let applied = 0;

  const apply = (p: StoredPolicy, why: string) => {
    if (p.version === applied) return;
    try {
      const policy = parsePolicyDocument(p.text, `redis:${config.store.redis.keyPrefix}policy@v${p.version}`);
      s.runtime.swap(mergePolicy(s.runtime.live.config, policy));
      applied = p.version;
      s.log.info({ version: p.version, by: p.by, why }, 'policy applied from redis');
    } catch (err) {
      const lines = err instanceof ConfigError ? err.message.split('\n') : [(err as Error).message];
      s.log.error({ version: p.version, errors: lines }, 'policy in redis is invalid: the running policy stays in force');
    }
  };

  try {
    const stored = await source.read();
    if (stored) apply(stored, 'startup');
    else if (config.file) {
      // First start against this Redis: the file's policy becomes the shared one.
      const result = await source.write(policyTextOfFile(config.file), 0, 'seed:' + config.file, s.now());
      if (result.ok) applied = result.version;
    }
  } catch (err) {
    // Redis down at start: run on the file's policy and catch up when it returns.
    s.log.warn({ err: (err as Error).message }, 'policy source redis unreachable at start; using the file until it returns');
  }
  source.watch((p) => apply(p, 'change'), (err) => s.log.warn({ err: err.message }, 'policy watch: redis unreachable'));
  return { source, appliedVersion: () => applied, stop: () => source.close() };
}

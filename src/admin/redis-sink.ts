/**
 * The policy sink for `policy.source: redis`: the shared policy document is
 * edited key by key (comments kept), validated as a whole, and written with
 * the Redis document's compare-and-set, so two admins on two replicas cannot
 * overwrite each other. Every replica (this one included) applies it through
 * its policy watch; this one also applies it at once so the admin sees it.
 */
import { ConfigError, mergePolicy, parsePolicyDocument } from '../config/index.js';
import { editYamlText } from '../config/edit.js';
import type { RedisPolicySource } from '../config/redis-policy.js';
import type { Services } from '../gate/services.js';
import { applyLoadedConfig } from '../server/reload.js';
import { diffPolicy, toRawPolicy } from './policy-raw.js';
import type { PolicyEdit, PolicySink, SaveOutcome } from './sink.js';

export function createRedisPolicySink(s: Services, source: RedisPolicySource): PolicySink {
  const name = (v: number) => `redis:${s.runtime.live.config.store.redis.keyPrefix}policy@v${v}`;
  return {
    description: `redis key ${s.runtime.live.config.store.redis.keyPrefix}policy`,
    readOnly: null,
    async version() {
      try {
        return String(await source.version());
      } catch {
        return '';
      }
    },
    async save(edit: PolicyEdit, baseVersion: string, actor: string): Promise<SaveOutcome> {
      let stored;
      try {
        stored = await source.read();
      } catch (err) {
        return { kind: 'failed', message: `redis unreachable: ${(err as Error).message}` };
      }
      if (!stored) return { kind: 'failed', message: 'no policy document in redis yet' };
      if (String(stored.version) !== baseVersion) return { kind: 'stale', version: String(stored.version), why: 'changed' };
      let current;
      try {
        current = toRawPolicy(parsePolicyDocument(stored.text, name(stored.version)));
      } catch (err) {
        if (err instanceof ConfigError) return { kind: 'broken', problems: err.problems };
        throw err;
      }
      const changes = diffPolicy(current, edit(structuredClone(current)));
      if (changes.length === 0) return { kind: 'unchanged', version: baseVersion };
      const nextText = editYamlText(stored.text, changes.map((c) => ({ path: c.keyPath, value: c.new })));
      let policy;
      try {
        policy = parsePolicyDocument(nextText, name(stored.version + 1));
      } catch (err) {
        if (err instanceof ConfigError) return { kind: 'invalid', problems: err.problems };
        throw err;
      }
      const written = await source.write(nextText, stored.version, actor, s.now()).catch((err: Error) => err);
      if (written instanceof Error) return { kind: 'failed', message: `redis unreachable: ${written.message}` };
      if (!written.ok) return { kind: 'stale', version: String(written.currentVersion), why: 'changed' };
      const applied = await applyLoadedConfig(s, mergePolicy(s.runtime.live.config, policy), actor);
      return { kind: 'saved', version: String(written.version), changes, applied };
    },
  };
}

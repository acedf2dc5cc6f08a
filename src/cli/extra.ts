/** Commands of the Redis deployment: policy push/pull and moving the embedded store to Redis. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfigFile, parsePolicyDocument } from '../config/index.js';
import { policyTextOf } from '../config/policy-text.js';
import { RedisPolicySource } from '../config/redis-policy.js';
import type { GatehouseConfig } from '../config/types.js';
import type { CliOptions } from './commands.js';
import { loadOrReport } from './commands.js';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : s + '\n');
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : s + '\n');

export async function extraCommand(command: string, args: string[], o: CliOptions): Promise<number> {
  const config = loadOrReport(o.config);
  if (!config) return 2;
  if (command === 'policy') {
    const [sub, file] = args;
    if (sub !== 'pull' && sub !== 'push') {
      err('usage: gatehouse policy push FILE | pull --config FILE');
      return 2;
    }
    if (sub === 'push' && !file) {
      err('usage: gatehouse policy push FILE --config FILE');
      return 2;
    }
    // Validated before connecting: an invalid document is refused even while Redis is down.
    let policyText = '';
    if (sub === 'push') {
      const checked = validatedPolicy(file as string);
      if (checked === null) return 2;
      policyText = checked;
    }
    const source = new RedisPolicySource(config.store.redis.url, config.store.redis.keyPrefix, { onError: () => {} });
    try {
      if (!(await source.ready())) {
        err(`redis unreachable at ${source.where}`);
        return 1;
      }
      if (config.policy.source !== 'redis') {
        err(`note: policy.source is '${config.policy.source}' in ${o.config}: replicas with that setting do not read the policy from redis`);
      }
      if (sub === 'pull') {
        const p = await source.read();
        if (!p) {
          err('no policy in redis yet (it is seeded from the config file when the first replica starts, or by `policy push`)');
          return 1;
        }
        out(`# policy version ${p.version}, written by ${p.by || '?'} at ${new Date(p.at).toISOString()}`);
        out(p.text);
        return 0;
      }
      // Compare-and-set against the version just read: a concurrent writer makes this fail, never vanish.
      const current = await source.version();
      const result = await source.write(policyText, current, 'cli', Date.now());
      if (!result.ok) {
        err(`not pushed: the policy changed while pushing (now version ${result.currentVersion}); run again`);
        return 1;
      }
      out(`pushed policy version ${result.version}; replicas apply it within a second`);
      await auditPush(config, result.version, file as string);
      return 0;
    } finally {
      await source.close();
    }
  }
  if (command === 'store') {
    const { migrateStore } = await import('./migrate.js');
    return migrateStore(config, args, o);
  }
  err(`unknown command ${command}`);
  return 2;
}

/** The push in the shared audit trail, as a console save would be; a failure to record it does not undo the push. */
async function auditPush(config: GatehouseConfig, version: number, file: string): Promise<void> {
  if (config.store.type !== 'redis') return;
  const { RedisStore } = await import('../store/redis.js');
  const store = new RedisStore({ url: config.store.redis.url, keyPrefix: config.store.redis.keyPrefix, onError: () => {} });
  try {
    if (!(await store.waitReady())) throw new Error('redis unreachable');
    await store.audit({ at: Date.now(), type: 'policy_changed', user: '', actor: 'cli', ip: '', userAgent: 'gatehouse-cli', detail: { version, to: 'redis', file: resolve(file) } });
  } catch (e) {
    err(`note: the push is not in the audit trail: ${(e as Error).message}`);
  } finally {
    await store.close();
  }
}

/**
 * The policy text to push, or null after printing why not (exit 2). A full
 * config file is validated as one (line numbers stay right) and reduced to
 * its policy sections; a policy-only file is validated as a policy document.
 */
function validatedPolicy(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    err(`${file}: not pushed: cannot read it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return null;
  }
  try {
    let policyText = text;
    if (/^(server|upstream|identity|store|secrets|network|policy|metrics|log|api):/m.test(text)) {
      loadConfigFile(file);
      policyText = policyTextOf(text);
    }
    parsePolicyDocument(policyText, file);
    return policyText;
  } catch (e) {
    if (e instanceof ConfigError) {
      err(`${file}: not pushed:`);
      err(e.message);
      return null;
    }
    throw e;
  }
}

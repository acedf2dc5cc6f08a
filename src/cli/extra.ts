/** Commands of the Redis deployment: policy push/pull and moving the embedded store to Redis. */
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfigFile, parsePolicyDocument } from '../config/index.js';
import { policyTextOf } from '../config/policy-text.js';
import { RedisPolicySource } from '../config/redis-policy.js';
import type { CliOptions } from './commands.js';
import { loadOrReport } from './commands.js';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : s + '\n');
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : s + '\n');

export async function extraCommand(command: string, args: string[], o: CliOptions): Promise<number> {
  const config = loadOrReport(o.config);
  if (!config) return 2;
  if (command === 'policy') {
    const [sub, file] = args;
    const source = new RedisPolicySource(config.store.redis.url, config.store.redis.keyPrefix);
    try {
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
      if (sub === 'push') {
        if (!file) {
          err('usage: gatehouse policy push FILE --config FILE');
          return 2;
        }
        const text = readFileSync(file, 'utf8');
        // A full config file is validated as one (line numbers stay right);
        // a policy-only file as a policy document. Nothing invalid is pushed.
        let policyText: string;
        try {
          if (/^(server|upstream|identity|store|secrets|network|policy|metrics|log|api):/m.test(text)) {
            loadConfigFile(file);
            policyText = policyTextOf(text);
          } else {
            policyText = text;
          }
          parsePolicyDocument(policyText, file);
        } catch (e) {
          if (e instanceof ConfigError) {
            err(`${file}: not pushed:`);
            err(e.message);
            return 2;
          }
          throw e;
        }
        const current = await source.version();
        const result = await source.write(policyText, current, 'cli', Date.now());
        if (!result.ok) {
          err(`not pushed: the policy changed while pushing (now version ${result.currentVersion}); run again`);
          return 1;
        }
        out(`pushed policy version ${result.version}; replicas apply it within a second`);
        return 0;
      }
      err('usage: gatehouse policy push FILE | pull --config FILE');
      return 2;
    } finally {
      await source.close();
    }
  }
  if (command === 'store') {
    err('gatehouse store migrate: not available yet');
    return 1;
  }
  err(`unknown command ${command}`);
  return 2;
}

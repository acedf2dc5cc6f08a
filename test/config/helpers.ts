import { stringify } from 'yaml';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import type { GatehouseConfig } from '../../src/config/types.js';

/** The smallest valid config, as an object tests can extend. */
export const MINIMAL = {
  server: { publicUrl: 'http://localhost:8080' },
  upstream: { url: 'http://127.0.0.1:8081' },
  identity: { lookup: { path: '/api/me', user: { json: 'username' } } },
};

type Tree = { [key: string]: unknown };

/** Merges two levels deep (sections and their sub-sections); deeper values such as extractors are replaced. */
function merge(base: Tree, extra: Tree, depth = 0): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const b = out[k];
    const both = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object';
    out[k] = both && depth < 2 ? merge(b as Tree, v as Tree, depth + 1) : v;
  }
  return out;
}

/** Parses MINIMAL plus `extra` (deep-merged), with a controlled environment. */
export function configWith(extra: Tree, env: Record<string, string> = {}): GatehouseConfig {
  return parseConfig(stringify(merge(MINIMAL, extra)), 'test.yaml', { env });
}

/** The ConfigError thrown by `fn`; fails the test if it returns or throws anything else. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}

/** Problem lines without the `file:line:col: ` part, for tests about wording only. */
export function reasons(fn: () => unknown): string[] {
  return configError(fn).problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
}

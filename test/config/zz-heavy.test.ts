import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig, parsePolicyDocument } from '../../src/config/load.js';
import { MINIMAL } from './helpers.js';

/** The loader's whole contract under garbage: a frozen config, or a ConfigError whose problems all have a position. */
function loadsOrExplains(text: string, parse = parseConfig): void {
  try {
    const c = parse(text, 'fuzz.yaml', { env: { SET: 'value', NUM: '7' } });
    expect(Object.isFrozen(c)).toBe(true);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    expect(e.problems.length).toBeGreaterThan(0);
    for (const p of e.problems) {
      expect(p.file).toBe('fuzz.yaml');
      expect(p.line).toBeGreaterThan(0);
      expect(p.message.length).toBeGreaterThan(0);
    }
  }
}

function safeStringify(value: unknown): string | null {
  try {
    const text: unknown = stringify(value);
    return typeof text === 'string' ? text : null;
  } catch {
    return null;
  }
}

const KEYS = ['server', 'upstream', 'identity', 'lookup', 'user', 'json', 'twoFactor', 'trustedIps', 'bypass', 'skip', 'gracePeriod', 'listen', 'url', 'enforce', 'days', 'texts', 'en', '__proto__', 'constructor'];
const leaf = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom('10.0.0.0/8', '30s', '${SET}', '${UNSET}', '${NUM}', '/login', 'http://x', '::ffff:1.2.3.4/120'));
const tree = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string()), tie('node'), { maxKeys: 5 })),
})).node;

/** Puts `value` at a random path inside the minimal valid config. */
function mutate(path: string[], value: unknown): unknown {
  const copy = structuredClone(MINIMAL) as Record<string, unknown>;
  let at: Record<string, unknown> = copy;
  // defineProperty and hasOwn so a `__proto__` path builds a key instead of polluting Object.prototype here.
  const put = (obj: Record<string, unknown>, key: string, v: unknown) =>
    Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
  for (const key of path.slice(0, -1)) {
    const next = Object.hasOwn(at, key) ? at[key] : undefined;
    if (next && typeof next === 'object' && !Array.isArray(next)) at = next as Record<string, unknown>;
    else {
      const fresh = {};
      put(at, key, fresh);
      at = fresh;
    }
  }
  put(at, path[path.length - 1]!, value);
  return copy;
}

describe('loader robustness', () => {
  it('should never crash on arbitrary values serialised as YAML', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const text = safeStringify(value);
        if (text !== null) loadsOrExplains(text);
      }),
      { numRuns: 3000 },
    );
  });

  it('should never crash on config-shaped random trees', () => {
    fc.assert(
      fc.property(tree, (value) => {
        const text = safeStringify(value);
        if (text !== null) {
          loadsOrExplains(text);
          loadsOrExplains(text, parsePolicyDocument as unknown as typeof parseConfig);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('should never crash when one key of a valid config is replaced by anything', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 4 }), tree, (path, value) => {
        const text = safeStringify(mutate(path, value));
        if (text !== null) loadsOrExplains(text);
      }),
      { numRuns: 3000 },
    );
  });

  it('should never crash on arbitrary text made of YAML punctuation', () => {
    const token = fc.constantFrom('server:', 'upstream:', 'url:', ' ', '  ', '\n', '- ', '{', '}', '[', ']', ':', ',', '&a ', '*a', '${SET}', '${X', '"', "'", '#', '!!str ', '!!binary ', '<<: *a', '? ', '|', '>', '---', '...', '%YAML 1.1', 'x', '1', '\t');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (tokens) => loadsOrExplains(tokens.join(''))),
      { numRuns: 5000 },
    );
  });

  it('should never crash on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => loadsOrExplains(text)), { numRuns: 3000 });
  });
});

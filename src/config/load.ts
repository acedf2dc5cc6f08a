/**
 * Entry points: YAML text or file → validated, frozen `GatehouseConfig`, or a
 * `ConfigError` listing every problem. Pure apart from reading the file and
 * the environment: reload can call it freely and keep the old config on error.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { deepFreeze, toEffective, toPolicy } from './effective.js';
import { ConfigError, FILE_POS, Problems, type Pos } from './errors.js';
import type { Env } from './interpolate.js';
import { ConfigSchema, policySubsetSchema, POLICY_KEYS, type RawConfig } from './schema.js';
import { checkConfig, checkPolicy } from './semantic.js';
import type { GatehouseConfig, PolicyConfig } from './types.js';
import { indexKeys, validate } from './validate.js';
import { readYaml } from './yaml-tree.js';

export interface LoadOptions {
  /** Variables for `${VAR}`; defaults to process.env (tests pass their own). */
  env?: Env;
}

/** Far beyond any real config; stops a mistaken path (a log file, a dump) from being parsed. */
const MAX_BYTES = 1024 * 1024;

const configKeys = indexKeys(ConfigSchema);
const policyKeys = indexKeys(policySubsetSchema);

interface Validated<T> {
  raw: T;
  problems: Problems;
  positions: Map<string, Pos>;
}

function run<T>(schema: TSchema, keyIndex: Map<string, string[]>, text: string, env: Env): Validated<T> | Problems {
  const problems = new Problems();
  if (text.length > MAX_BYTES) {
    problems.add(FILE_POS, '', `file is larger than ${MAX_BYTES} bytes; is this the right file?`);
    return problems;
  }
  const root = readYaml(text.replace(/^\uFEFF/, ''), env, problems);
  if (root === null) return problems;
  if (root.kind !== 'map') {
    problems.add(root.pos, '', 'the file must be a mapping of keys (server:, upstream:, identity:, …), not a single value or a list');
    return problems;
  }
  const positions = new Map<string, Pos>();
  const raw = validate(schema, root, [], FILE_POS, { problems, positions, keyIndex }) as T;
  return { raw, problems, positions };
}

/** Validates config text; `fileName` is used in messages and to resolve a relative dataDir. */
export function parseConfig(text: string, fileName: string, options: LoadOptions = {}): GatehouseConfig {
  const result = run<RawConfig>(ConfigSchema, configKeys, text, options.env ?? process.env);
  if (result instanceof Problems) throw result.toError(fileName);
  checkConfig(result.raw, result);
  if (result.problems.size > 0) throw result.problems.toError(fileName);
  return toEffective(result.raw, resolve(fileName));
}

/** Reads and validates a config file. Messages name the file as `path` was given. */
export function loadConfigFile(path: string, options: LoadOptions = {}): GatehouseConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'file not found' : err.code === 'EISDIR' ? 'is a directory, not a file' : err.message;
    throw new ConfigError([{ file: path, line: 0, column: 0, path: '', message: `cannot read config: ${why}` }]);
  }
  return parseConfig(text, path, options);
}

/**
 * Validates a policy document (`policy.source: redis`): only twoFactor,
 * bypass, admin and pages, with the same rules and defaults as in the file.
 * `name` labels messages, e.g. `redis:gatehouse:policy`.
 */
export function parsePolicyDocument(text: string, name: string, options: LoadOptions = {}): PolicyConfig {
  type RawPolicy = Pick<RawConfig, (typeof POLICY_KEYS)[number]>;
  const result = run<RawPolicy>(policySubsetSchema, policyKeys, text, options.env ?? process.env);
  if (result instanceof Problems) throw result.toError(name);
  checkPolicy(result.raw, result);
  if (result.problems.size > 0) throw result.problems.toError(name);
  return deepFreeze(toPolicy(result.raw));
}

/** The config with its policy part replaced; `config` itself is left untouched. */
export function mergePolicy(config: GatehouseConfig, policy: PolicyConfig): GatehouseConfig {
  return deepFreeze({
    ...config,
    twoFactor: policy.twoFactor,
    bypass: policy.bypass,
    admin: policy.admin,
    pages: policy.pages,
  });
}

/**
 * Config module: turns the YAML file (or a Redis policy document) into the
 * validated, frozen `GatehouseConfig` every other module reads, reporting all
 * mistakes at once with file, line and key.
 */
export type { Extractor, GatehouseConfig, PolicyConfig, ScopeLists } from './types.js';
export { ConfigError, formatProblem, type ConfigProblem } from './errors.js';
export { loadConfigFile, mergePolicy, parseConfig, parsePolicyDocument, type LoadOptions } from './load.js';
export { ConfigSchema, policySubsetSchema, POLICY_KEYS, type RawConfig } from './schema.js';
export { formatDuration, parseDuration } from './duration.js';
export { summarize } from './summary.js';
export { renderConfigReference } from './docs.js';

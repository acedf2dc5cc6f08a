/**
 * Reload: re-read and fully re-validate the config file, then swap the live
 * policy atomically — or keep the running one and say precisely why not.
 * Only the policy sections (twoFactor, bypass, admin, pages) change live;
 * a change elsewhere (listen address, upstream, store, secrets) is reported
 * as needing a restart rather than half-applied.
 */
import { isDeepStrictEqual } from 'node:util';
import { ConfigError, loadConfigFile, mergePolicy, POLICY_KEYS } from '../config/index.js';
import type { GatehouseConfig } from '../config/types.js';
import type { Services } from '../gate/services.js';

export interface ReloadResult {
  ok: boolean;
  /** Human lines: the errors, or what changed. */
  messages: string[];
  version: number;
  /** Top-level sections that changed but need a restart. */
  restartNeeded: string[];
}

/** A reload result with when and by whom (SIGHUP, cli, console:USER, api:TOKEN). */
export interface ReloadRecord extends ReloadResult {
  at: number;
  actor: string;
}

// Keyed by the runtime, so each app (and each test's app) keeps its own.
const lastResults = new WeakMap<object, ReloadRecord>();

/**
 * The last reload of this process, whatever triggered it: a failed SIGHUP
 * reload must be visible in the console, not only in the log.
 */
export function lastReload(s: Pick<Services, 'runtime'>): ReloadRecord | null {
  return lastResults.get(s.runtime) ?? null;
}

function remember(s: Services, actor: string, r: ReloadResult): ReloadResult {
  lastResults.set(s.runtime, { ...r, at: s.now(), actor });
  return r;
}

/** Top-level sections of the two configs whose values differ. */
export function changedSections(a: GatehouseConfig, b: GatehouseConfig): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  keys.delete('file');
  return [...keys].filter((k) => !isDeepStrictEqual((a as unknown as Record<string, unknown>)[k], (b as unknown as Record<string, unknown>)[k]));
}

export async function reloadFromFile(s: Services, actor: string): Promise<ReloadResult> {
  const current = s.runtime.live.config;
  let next: GatehouseConfig;
  try {
    next = loadConfigFile(current.file);
  } catch (err) {
    const lines = err instanceof ConfigError ? err.message.split('\n').filter(Boolean) : [(err as Error).message];
    s.log.error({ errors: lines }, 'reload rejected: the running policy stays in force');
    await s.audit({ at: s.now(), type: 'reload_failed', user: '', actor, ip: '', userAgent: '', detail: { errors: lines } });
    return remember(s, actor, { ok: false, messages: lines, version: s.runtime.live.version, restartNeeded: [] });
  }
  // With policy.source: redis the file's policy sections are only the seed:
  // a reload applies the rest and leaves the shared policy alone.
  if (current.policy.source === 'redis') next = mergePolicy(next, current);
  return applyLoadedConfig(s, next, actor);
}

/** Swaps in the policy sections of an already validated config (a reload, or a save from the console). */
export async function applyLoadedConfig(s: Services, next: GatehouseConfig, actor: string): Promise<ReloadResult> {
  const current = s.runtime.live.config;
  const changed = changedSections(current, next);
  const policyKeys = new Set<string>(POLICY_KEYS as readonly string[]);
  const restartNeeded = changed.filter((k) => !policyKeys.has(k));
  // Non-policy sections keep their running values until a restart.
  const merged = { ...current } as Record<string, unknown>;
  for (const k of policyKeys) merged[k] = (next as unknown as Record<string, unknown>)[k];
  const live = s.runtime.swap(Object.freeze(merged) as unknown as GatehouseConfig);
  const applied = changed.filter((k) => policyKeys.has(k));
  const messages = [applied.length ? `applied: ${applied.join(', ')}` : 'no policy change'];
  if (restartNeeded.length) messages.push(`needs a restart to take effect: ${restartNeeded.join(', ')}`);
  s.log.info({ applied, restartNeeded, version: live.version }, 'config reloaded');
  await s.audit({ at: s.now(), type: 'reload_ok', user: '', actor, ip: '', userAgent: '', detail: { applied, restartNeeded } });
  return remember(s, actor, { ok: true, messages, version: live.version, restartNeeded });
}

/**
 * Where a saved policy goes. The console and the API only talk to this
 * interface; the file implementation edits the YAML config, and a Redis
 * implementation (policy.source: redis) can slot in without touching them.
 */
import type { ConfigProblem } from '../config/index.js';
import type { Services } from '../gate/services.js';
import type { ReloadResult } from '../server/reload.js';
import { createFilePolicySink } from './file-sink.js';
import { createRedisPolicySink } from './redis-sink.js';
import type { PolicyChange, RawPolicy } from './policy-raw.js';

/** Turns the stored policy into the desired one; given a fresh copy it may change in place. */
export type PolicyEdit = (current: RawPolicy) => RawPolicy;

export type SaveOutcome =
  | { kind: 'saved'; version: string; changes: PolicyChange[]; applied: ReloadResult }
  | { kind: 'unchanged'; version: string }
  /** 'changed': saved by someone else since the form was loaded; 'unapplied': edited by hand and not reloaded yet. */
  | { kind: 'stale'; version: string; why: 'changed' | 'unapplied' }
  /** The desired policy does not validate: nothing was written. */
  | { kind: 'invalid'; problems: readonly ConfigProblem[] }
  /** The stored policy itself does not validate (a broken hand edit): fix or reload first. */
  | { kind: 'broken'; problems: readonly ConfigProblem[] }
  | { kind: 'failed'; message: string };

export interface PolicySink {
  /** `file /etc/gatehouse/gatehouse.yaml`, for the console. */
  readonly description: string;
  /** Why saving is impossible here, or null when it works. */
  readonly readOnly: string | null;
  /** Opaque token of the stored version; a save must present the one it was based on. */
  version(): Promise<string>;
  save(edit: PolicyEdit, baseVersion: string, actor: string): Promise<SaveOutcome>;
}

function unavailable(description: string, reason: string): PolicySink {
  return {
    description,
    readOnly: reason,
    version: async () => '',
    save: async () => ({ kind: 'failed', message: reason }),
  };
}

export function createPolicySink(s: Services): PolicySink {
  const { config } = s.runtime.live;
  if (config.policy.source === 'redis') return lazyRedisSink(s);
  if (!config.file) return unavailable('built-in configuration', 'the configuration was not loaded from a file, so there is nothing to save to');
  return createFilePolicySink(s, config.file);
}

/** The Redis document is connected after the app is built (serve.ts starts the policy sync), so resolve it per call. */
function lazyRedisSink(s: Services): PolicySink {
  const notYet = 'the shared policy in redis is not connected in this process';
  const sink = () => (s.policySource ? createRedisPolicySink(s, s.policySource) : null);
  return {
    get description() {
      return `redis key ${s.runtime.live.config.store.redis.keyPrefix}policy`;
    },
    get readOnly() {
      return s.policySource ? null : notYet;
    },
    version: () => sink()?.version() ?? Promise.resolve(''),
    save: (edit, base, actor) => sink()?.save(edit, base, actor) ?? Promise.resolve({ kind: 'failed', message: notYet }),
  };
}

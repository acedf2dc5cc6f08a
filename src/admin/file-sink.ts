/**
 * The policy sink for `policy.source: file`: read the YAML, check the
 * version, edit only the changed keys, validate the whole resulting file
 * exactly as a restart would, write it atomically with a backup, apply it.
 * Saves are serialised in this process so check-then-write cannot interleave.
 */
import cluster from 'node:cluster';
import { createHash } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { ConfigError, parseConfig, POLICY_KEYS } from '../config/index.js';
import { editYamlText } from '../config/edit.js';
import type { GatehouseConfig } from '../config/types.js';
import type { Services } from '../gate/services.js';
import { applyLoadedConfig } from '../server/reload.js';
import { replaceFileKeepingBackup } from './atomic-write.js';
import { diffPolicy, toRawPolicy } from './policy-raw.js';
import type { PolicyEdit, PolicySink, SaveOutcome } from './sink.js';

export function versionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 20);
}

function samePolicy(a: GatehouseConfig, b: GatehouseConfig): boolean {
  return POLICY_KEYS.every((k) => isDeepStrictEqual(a[k], b[k]));
}

/**
 * With server.workers, each worker runs its own copy of the policy: the
 * primary forwards SIGHUP to all of them, so they re-read the file just
 * written (this worker too, finding nothing new).
 */
function tellOtherWorkers(s: Services): void {
  if (!cluster.isWorker) return;
  try {
    process.kill(process.ppid, 'SIGHUP');
  } catch (err) {
    s.log.error({ err: (err as Error).message }, 'saved, but could not ask the other workers to reload; send SIGHUP');
  }
}

export function createFilePolicySink(s: Services, file: string): PolicySink {
  let queue: Promise<unknown> = Promise.resolve();

  async function saveNow(edit: PolicyEdit, baseVersion: string, actor: string): Promise<SaveOutcome> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      return { kind: 'failed', message: `cannot read ${file}: ${(err as Error).message}` };
    }
    const version = versionOf(text);
    if (version !== baseVersion) return { kind: 'stale', version, why: 'changed' };
    let stored: GatehouseConfig;
    try {
      stored = parseConfig(text, file);
    } catch (err) {
      if (err instanceof ConfigError) return { kind: 'broken', problems: err.problems };
      throw err;
    }
    // The forms show the running policy; a hand edit not yet reloaded would
    // otherwise be applied (or undone) by a save that never showed it.
    if (!samePolicy(stored, s.runtime.live.config)) return { kind: 'stale', version, why: 'unapplied' };

    const current = toRawPolicy(stored);
    const changes = diffPolicy(current, edit(structuredClone(current)));
    if (changes.length === 0) return { kind: 'unchanged', version };
    const nextText = editYamlText(text, changes.map((c) => ({ path: c.keyPath, value: c.new })));
    let next: GatehouseConfig;
    try {
      next = parseConfig(nextText, file);
    } catch (err) {
      if (err instanceof ConfigError) return { kind: 'invalid', problems: err.problems };
      throw err;
    }
    try {
      // Through symlinks (a mounted config): replace the file, not the link.
      await replaceFileKeepingBackup(await realpath(file), nextText, text);
    } catch (err) {
      s.log.error({ err: (err as Error).message, file }, 'could not write the config file');
      return { kind: 'failed', message: `cannot write ${file}: ${(err as Error).message}` };
    }
    const applied = await applyLoadedConfig(s, next, actor);
    tellOtherWorkers(s);
    return { kind: 'saved', version: versionOf(nextText), changes, applied };
  }

  return {
    description: `file ${file}`,
    readOnly: null,
    async version() {
      try {
        return versionOf(await readFile(file, 'utf8'));
      } catch {
        return '';
      }
    },
    save(edit, baseVersion, actor) {
      const run = queue.then(() => saveNow(edit, baseVersion, actor));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

/**
 * `gatehouse store migrate --from sqlite --to redis --config FILE`: copies
 * every user (sealed secret, recovery-code hashes, replay guard, generation,
 * timestamps, a lock in force) and the audit trail from the embedded store in
 * server.dataDir to store.redis.
 *
 * Safe to run again. Users go through importUser, which never overwrites a
 * user Redis has enrolled or reset since (see ImportOutcome). Audit events go
 * in batches, each in one MULTI with a progress mark, so a re-run (or a run
 * cut short) continues after the last event copied instead of duplicating.
 *
 * Secrets travel sealed. Before anything is written, every sealed secret is
 * opened with the key the replicas will use: a migration that would leave
 * enrolled users unable to verify is refused instead.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { GatehouseConfig } from '../config/types.js';
import { describeRedisUrl } from '../store/redis-connection.js';
import type { AuditEvent, ImportOutcome } from '../store/types.js';
import { createSealer } from '../totp/index.js';
import type { CliOptions } from './commands.js';

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : s + '\n');
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : s + '\n');

const AUDIT_BATCH = 500;
const USAGE = 'usage: gatehouse store migrate --from sqlite --to redis --config FILE';

/** The key the replicas will open secrets with, or why there is none; and the generated key of a SQLite install, if any. */
function keysOf(config: GatehouseConfig): { configured: string[]; generatedFile: string; generated: string | null } {
  const s = config.secrets;
  const generatedFile = join(resolve(config.server.dataDir), 'encryption.key');
  const generated = existsSync(generatedFile) ? readFileSync(generatedFile, 'utf8').trim() : null;
  return { configured: s.encryptionKey ? [s.encryptionKey, ...s.previousEncryptionKeys] : [], generatedFile, generated };
}

/** Users whose sealed secret `keys` cannot open (null: the keys themselves are unusable). */
async function unreadable(records: AsyncIterable<{ user: string; sealedSecret: string | null }>, keys: string[]): Promise<string[] | null> {
  let sealer;
  try {
    sealer = createSealer(keys[0] as string, keys.slice(1));
  } catch {
    return null;
  }
  const bad: string[] = [];
  for await (const r of records) {
    if (!r.sealedSecret) continue;
    try {
      sealer.open(r.sealedSecret);
    } catch {
      bad.push(r.user);
    }
  }
  return bad;
}

const listOf = (users: string[]) => users.slice(0, 5).join(', ') + (users.length > 5 ? ` and ${users.length - 5} more` : '');

export async function migrateStore(config: GatehouseConfig, args: string[], o: CliOptions): Promise<number> {
  if (args[0] !== 'migrate' || args.length > 1 || o.from !== 'sqlite' || o.to !== 'redis') {
    err(USAGE);
    return 2;
  }
  const dir = resolve(config.server.dataDir);
  const dbFile = join(dir, 'gatehouse.db');
  if (!existsSync(dbFile)) {
    // Opening it would create an empty store: say where we looked instead.
    err(`no SQLite store to migrate: ${dbFile} does not exist (server.dataDir in ${config.file || 'the config'})`);
    return 1;
  }
  const where = `${describeRedisUrl(config.store.redis.url)} (keyPrefix ${JSON.stringify(config.store.redis.keyPrefix)})`;
  const { SqliteStore } = await import('../store/sqlite.js');
  const { RedisStore } = await import('../store/redis.js');
  const from = new SqliteStore({ dir });
  const to = new RedisStore({ url: config.store.redis.url, keyPrefix: config.store.redis.keyPrefix, onError: () => {} });
  try {
    if (!(await to.waitReady())) {
      err(`redis unreachable at ${where}: nothing migrated`);
      return 1;
    }

    // 1. Every secret must open with the key the replicas will have.
    const { configured, generatedFile, generated } = keysOf(config);
    let keyNote = '';
    if (configured.length > 0) {
      const bad = await unreadable(from.exportUsers(), configured);
      if (bad === null) {
        err('secrets.encryptionKey (or a previousEncryptionKeys entry) is not a valid key: nothing migrated');
        return 1;
      }
      if (bad.length > 0) {
        const fromFile = generated ? await unreadable(from.exportUsers(), [generated]) : null;
        err(`${bad.length} enrolled user(s) (${listOf(bad)}) have secrets that secrets.encryptionKey and previousEncryptionKeys cannot open: nothing migrated.`);
        err(fromFile && fromFile.length === 0
          ? `They were sealed with the key generated in ${generatedFile}: put that key in secrets.encryptionKey (or secrets.previousEncryptionKeys) and run again.`
          : 'Give the key they were sealed with as secrets.encryptionKey or in secrets.previousEncryptionKeys and run again.');
        return 1;
      }
    } else if (generated) {
      const bad = await unreadable(from.exportUsers(), [generated]);
      if (bad === null || bad.length > 0) {
        err(`the secrets in ${dbFile} cannot be opened with ${generatedFile}: set secrets.encryptionKey to the key they were sealed with: nothing migrated`);
        return 1;
      }
      keyNote = `secrets were sealed with the key generated in ${generatedFile}: set secrets.encryptionKey to its contents on every replica`;
    } else {
      if (await hasEnrolled(from.exportUsers())) {
        err(`no encryption key: secrets.encryptionKey is not set and ${generatedFile} does not exist: nothing migrated`);
        return 1;
      }
    }

    // 2. Users, one atomic import each.
    const now = Date.now();
    const counts: Record<ImportOutcome, number> = { created: 0, updated: 0, kept: 0 };
    for await (const record of from.exportUsers()) counts[await to.importUser(record, now)]++;

    // 3. The audit trail, resuming after the last batch a previous run copied.
    const markName = `sqlite:${realpathSync(dbFile)}:audit`;
    const after = (await to.importMark(markName)) ?? undefined;
    if (after === undefined && (await to.listAudit({ limit: 1 })).length > 0) {
      err(`note: ${where} already has audit events; the copied history is listed after them`);
    }
    let events = 0;
    let batch: AuditEvent[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await to.importAudit(batch, { name: markName, value: String(batch.at(-1)?.id) });
      events += batch.length;
      batch = [];
    };
    for await (const e of from.exportAudit(after)) {
      batch.push(e);
      if (batch.length >= AUDIT_BATCH) await flush();
    }
    await flush();

    out(`migrated ${dbFile} to ${where}`);
    out(`  users: ${counts.created} created, ${counts.updated} updated (only seen in redis before), ${counts.kept} kept (already enrolled or reset in redis)`);
    out(`  audit: ${events} event(s) copied${after !== undefined ? ' (resumed after the events an earlier run copied)' : ''}`);
    if (keyNote) out(`  ${keyNote}`);
    out('next: set store.type: redis and the same secrets.cookieKeys and secrets.encryptionKey on every replica, then restart them');
    return 0;
  } finally {
    await from.close();
    await to.close();
  }
}

async function hasEnrolled(records: AsyncIterable<{ sealedSecret: string | null }>): Promise<boolean> {
  for await (const r of records) if (r.sealedSecret) return true;
  return false;
}

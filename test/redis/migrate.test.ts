/**
 * `gatehouse store migrate --from sqlite --to redis`: a user enrolled on a
 * single SQLite install keeps their authenticator (and recovery codes, and
 * replay guard) on replicas sharing Redis; the audit trail comes along; the
 * command can be run again without duplicating or undoing anything; and it
 * refuses, writing nothing, when the replicas' key could not open the secrets.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { AuditEvent } from '../../src/store/types.js';
import { Browser, inputValue, pathOf } from '../helpers/client.js';
import { browserFor, enrol, totp, verify } from '../helpers/flows.js';
import { baseConfig, startStack } from '../helpers/stack.js';
import { clockStack, redisOverrides, removeKeys, runCli, startReplicas, uniquePrefix, writeConfig, type Replica } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
/** The key the test baseline seals secrets with. */
const TEST_KEY = (baseConfig('', '') as { secrets: { encryptionKey: string } }).secrets.encryptionKey;
const withoutIds = (events: AuditEvent[]) => events.map(({ id: _id, ...rest }) => rest);

/** A single-node install: Gatehouse on SQLite in `dir`, alice enrolled through the real pages, then stopped. */
async function sqliteInstall(dir: string) {
  const store = new SqliteStore({ dir });
  const stack = await startStack({ store });
  const b = browserFor(stack);
  await b.login('alice');
  const { key, codes } = await enrol(stack, b, '/reports');
  expect((await b.get('/reports')).body).toContain('Logged in as alice');
  await b.login('bob');
  await b.get('/reports');
  const enrolledAt = stack.clock.t;
  await stack.close();
  const events = await all(store.exportAudit());
  await store.close();
  return { key, codes, enrolledAt, events };
}

function migrateArgs(file: string): string[] {
  return ['store', 'migrate', '--from', 'sqlite', '--to', 'redis', '--config', file];
}

describe('gatehouse store migrate --from sqlite --to redis', () => {
  it('should move enrolments and the audit trail so users verify with the same authenticator', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-migrate-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const keyPrefix = uniquePrefix('migrate');
    cleanups.push(() => removeKeys(keyPrefix));
    const install = await sqliteInstall(dir);
    expect(install.events.map((e) => e.type)).toContain('enrolled');

    // The replicas' config, pointed at the old data directory for the one run.
    const { file } = writeConfig(dir, 'http://127.0.0.1:9', redisOverrides(keyPrefix));
    const first = await runCli(migrateArgs(file));
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('users: 2 created, 0 updated');
    expect(first.stdout).toContain(`audit: ${install.events.length} event(s) copied`);

    const r = await startReplicas({ keyPrefix });
    cleanups.push(() => r.close());
    const [A, B] = r.replicas as [Replica, Replica];
    // The replicas' clock starts where the install's did: the enrolment's code is still "now".
    const a = new Browser(A.url);
    await a.login('alice');
    expect(pathOf((await a.get('/reports')).location)).toBe('/_gatehouse/challenge?rd=%2Freports');
    const page = await a.get('/_gatehouse/challenge?rd=%2Freports');
    const csrf = inputValue(page.body, 'csrf')!;
    // The code used to enrol was spent on SQLite and stays spent on Redis…
    expect((await a.post('/_gatehouse/challenge', { csrf, rd: '/reports', code: totp(clockStack(r.clock), install.key) })).status).toBe(401);
    // …and the same authenticator's next code is accepted.
    r.clock.advance(30_000);
    expect((await verify(clockStack(r.clock), a, install.key)).path).toBe('/reports');
    expect((await a.get('/reports')).body).toContain('Logged in as alice');

    // Recovery codes came along too (as hashes), on the other replica.
    const b = new Browser(B.url);
    await b.login('alice');
    const rec = await b.get('/_gatehouse/recovery?rd=%2Freports');
    const used = await b.post('/_gatehouse/recovery', { csrf: inputValue(rec.body, 'csrf')!, rd: '/reports', code: install.codes[3]! });
    expect(used.status).toBe(303);
    expect((await b.get('/reports')).body).toContain('Logged in as alice');

    // The audit trail, in order, with the events since appended after it.
    const trail = withoutIds(await all(A.store.exportAudit()));
    expect(trail.slice(0, install.events.length)).toEqual(withoutIds(install.events));
    expect(trail.slice(install.events.length).map((e) => e.type)).toEqual(expect.arrayContaining(['failed', 'verified', 'recovery_used']));

    // Run again (say, by a second operator): nothing duplicated, nothing undone.
    await A.store.resetUser('alice');
    const second = await runCli(migrateArgs(file));
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('users: 0 created, 1 updated (only seen in redis before), 1 kept');
    expect(second.stdout).toContain('audit: 0 event(s) copied (resumed');
    expect(withoutIds(await all(A.store.exportAudit()))).toEqual(trail);
    expect((await A.store.getUser('alice'))?.sealedSecret).toBeNull();
  });

  it('should refuse, writing nothing, when the configured key cannot open the enrolled secrets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-migrate-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const keyPrefix = uniquePrefix('migrate-key');
    cleanups.push(() => removeKeys(keyPrefix));
    await sqliteInstall(dir);
    const { file } = writeConfig(dir, 'http://127.0.0.1:9', {
      ...redisOverrides(keyPrefix),
      secrets: { encryptionKey: randomBytes(32).toString('base64') },
    });
    const res = await runCli(migrateArgs(file));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('1 enrolled user(s) (alice) have secrets that secrets.encryptionKey and previousEncryptionKeys cannot open: nothing migrated');
    const r = await startReplicas({ keyPrefix, count: 1 });
    cleanups.push(() => r.close());
    expect(await r.replicas[0]!.store.countUsers(0)).toMatchObject({ total: 0 });

    // An install that generated its own key: the message says where the right one is.
    writeFileSync(join(dir, 'encryption.key'), `${TEST_KEY}\n`, { mode: 0o600 });
    expect((await runCli(migrateArgs(file))).stderr).toContain(`They were sealed with the key generated in ${join(dir, 'encryption.key')}`);
  });

  it('should migrate an install that generated its own key, and say that the replicas need it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-migrate-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const keyPrefix = uniquePrefix('migrate-generated');
    cleanups.push(() => removeKeys(keyPrefix));
    await sqliteInstall(dir);
    writeFileSync(join(dir, 'encryption.key'), `${TEST_KEY}\n`, { mode: 0o600 });
    const { file } = writeConfig(dir, 'http://127.0.0.1:9', { ...redisOverrides(keyPrefix), secrets: { cookieKeys: [], encryptionKey: '' } });
    const res = await runCli(migrateArgs(file));
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`secrets were sealed with the key generated in ${join(dir, 'encryption.key')}: set secrets.encryptionKey to its contents on every replica`);
  });

  it('should say what is wrong with the command line or the data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-migrate-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const { file } = writeConfig(dir, 'http://127.0.0.1:9', redisOverrides(uniquePrefix('migrate-none')));
    const usage = await runCli(['store', 'migrate', '--from', 'redis', '--to', 'sqlite', '--config', file]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: gatehouse store migrate --from sqlite --to redis --config FILE');
    const none = await runCli(migrateArgs(file));
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`no SQLite store to migrate: ${join(dir, 'gatehouse.db')} does not exist`);
  });
});

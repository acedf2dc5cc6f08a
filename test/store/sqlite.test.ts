import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite.js';
import { runStoreContract } from './contract.js';

const root = mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-'));
let n = 0;
const freshDir = () => join(root, String(++n));
afterAll(() => rmSync(root, { recursive: true, force: true }));

runStoreContract('sqlite', async () => new SqliteStore({ dir: freshDir() }));

describe('SqliteStore', () => {
  it('should keep one gatehouse.db in WAL mode at the latest schema version', async () => {
    const dir = freshDir();
    const store = new SqliteStore({ dir });
    await store.close();
    const db = new Database(join(dir, 'gatehouse.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
  });

  it('should reopen an existing file without migrating it twice', async () => {
    const dir = freshDir();
    const a = new SqliteStore({ dir });
    await a.touchUser('alice', { at: 1, ip: '', groups: [] });
    await a.close();
    const b = new SqliteStore({ dir });
    expect((await b.getUser('alice'))?.user).toBe('alice');
    await b.close();
  });

  it('should refuse a database written by a newer Gatehouse', async () => {
    const dir = freshDir();
    await new SqliteStore({ dir }).close();
    const db = new Database(join(dir, 'gatehouse.db'));
    db.pragma('user_version = 99');
    db.close();
    expect(() => new SqliteStore({ dir })).toThrow(/newer/);
  });

  it('should share state between two connections to one file, as cluster workers do', async () => {
    const dir = freshDir();
    const a = new SqliteStore({ dir });
    const b = new SqliteStore({ dir });
    await a.touchUser('alice', { at: 1, ip: '', groups: [] });
    const { generation } = await b.enrol('alice', { sealedSecret: 's', at: 1, timeStep: 10, recoveryHashes: ['h'] });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).acceptTimeStep('alice', 11, generation, 2)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const codes = await Promise.all([a.useRecoveryCode('alice', 'h', 3), b.useRecoveryCode('alice', 'h', 3)]);
    expect(codes.filter(Boolean)).toHaveLength(1);
    await a.close();
    await b.close();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SQLite user-state cache', () => {
  it("should see another process's reset on the very next read (cluster worker, CLI)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-cache-'));
    dirs.push(dir);
    const server = new SqliteStore({ dir });
    const cli = new SqliteStore({ dir });
    await server.enrol('alice', { sealedSecret: 'sealed', at: 1, timeStep: 10, recoveryHashes: [] });
    const before = await server.getUser('alice');
    expect((await server.getUser('alice'))?.generation).toBe(before?.generation);
    const generation = await cli.resetUser('alice');
    const after = await server.getUser('alice');
    expect(after?.generation).toBe(generation);
    expect(after?.sealedSecret).toBeNull();
    await server.close();
    await cli.close();
  });

  it('should see its own writes at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-cache-'));
    dirs.push(dir);
    const store = new SqliteStore({ dir });
    expect(await store.getUser('bob')).toBeNull();
    await store.enrol('bob', { sealedSecret: 'sealed', at: 1, timeStep: 10, recoveryHashes: [] });
    expect((await store.getUser('bob'))?.sealedSecret).toBe('sealed');
    await store.recordFailure('user:bob', 5, { windowMs: 1000, maxFailures: 1, durationMs: 1000 });
    expect((await store.getUser('bob'))?.lockedUntil).toBe(1005);
    await store.close();
  });
});

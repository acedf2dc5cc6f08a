import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
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
    await server.enrol('alice', { sealedSecret: 'sealed', at: 1, timeStep: 10, recoveryHashes: [] });
    const before = await server.getUser('alice');
    expect((await server.getUser('alice'))?.generation).toBe(before?.generation);
    // Another process (as `gatehouse users reset` is) commits the reset.
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--input-type=module',
      '-e',
      `const { SqliteStore } = await import(${JSON.stringify(resolve('dist/src/store/sqlite.js'))});
       const s = new SqliteStore({ dir: ${JSON.stringify(dir)} });
       console.log(await s.resetUser('alice'));
       await s.close();`,
    ]);
    const after = await server.getUser('alice');
    expect(after?.generation).toBe(Number(stdout.trim()));
    expect(after?.generation).toBeGreaterThan(before!.generation);
    expect(after?.sealedSecret).toBeNull();
    await server.close();
  });

  it('should see a commit of another connection from the next event-loop turn on (where the next request arrives)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-cache-'));
    dirs.push(dir);
    const server = new SqliteStore({ dir });
    const other = new SqliteStore({ dir });
    await server.enrol('alice', { sealedSecret: 'sealed', at: 1, timeStep: 10, recoveryHashes: [] });
    await server.getUser('alice');
    const generation = await other.resetUser('alice');
    // A request is read in a poll phase after the commit: a later turn than this one.
    await new Promise((r) => setImmediate(r));
    expect((await server.getUser('alice'))?.generation).toBe(generation);
    await server.close();
    await other.close();
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

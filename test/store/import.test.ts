/**
 * The export/import contract across kinds: a user moved from SQLite to Redis
 * (what `gatehouse store migrate` does) or back comes out exactly as it went in.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/store/redis.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { importContract } from './contract-import.js';

const URL = process.env.GATEHOUSE_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const RUN = `gh-test-import:${randomUUID()}:`;
const root = mkdtempSync(join(tmpdir(), 'gatehouse-import-'));
let n = 0;

afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  const admin = new Redis(URL);
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${RUN}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await admin.del(...keys);
  } while (cursor !== '0');
  await admin.quit();
});

const sqlite = async () => new SqliteStore({ dir: join(root, String(++n)) });
const redis = async () => RedisStore.connect({ url: URL, keyPrefix: `${RUN}${++n}:` });

importContract('sqlite', 'redis', sqlite, redis);
importContract('redis', 'sqlite', redis, sqlite);

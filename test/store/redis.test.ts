import { createServer, Socket, type Server } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisStore, type GenerationChange } from '../../src/store/redis.js';
import { userLockKey } from '../../src/store/common.js';
import { runStoreContract } from './contract.js';

const URL = process.env.GATEHOUSE_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const RUN = `gh-test:${randomUUID()}:`;
let n = 0;
const freshPrefix = () => `${RUN}${++n}:`;

afterAll(async () => {
  // Every key this run wrote lives under RUN; remove them all.
  const admin = new Redis(URL);
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${RUN}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await admin.del(...keys);
  } while (cursor !== '0');
  await admin.quit();
});

runStoreContract('redis', async () => RedisStore.connect({ url: URL, keyPrefix: freshPrefix() }));

describe('RedisStore', () => {
  it('should let exactly one of several replicas use a time-step or a recovery code', async () => {
    const keyPrefix = freshPrefix();
    const replicas = await Promise.all([1, 2, 3, 4].map(() => RedisStore.connect({ url: URL, keyPrefix })));
    const [a] = replicas as [RedisStore];
    const { generation } = await a.enrol('alice', { sealedSecret: 's', at: 1, timeStep: 10, recoveryHashes: ['h'] });
    const steps = await Promise.all(Array.from({ length: 40 }, (_, i) => replicas[i % 4]!.acceptTimeStep('alice', 11, generation, 2)));
    expect(steps.filter(Boolean)).toHaveLength(1);
    const codes = await Promise.all(Array.from({ length: 40 }, (_, i) => replicas[i % 4]!.useRecoveryCode('alice', 'h', 3)));
    expect(codes.filter(Boolean)).toHaveLength(1);
    await Promise.all(replicas.map((r) => r.close()));
  });

  it('should tell every replica when a user is reset', async () => {
    const keyPrefix = freshPrefix();
    const [a, b] = await Promise.all([RedisStore.connect({ url: URL, keyPrefix }), RedisStore.connect({ url: URL, keyPrefix })]);
    await a.touchUser('alice', { at: 1, ip: '', groups: [] });
    const received = new Promise<GenerationChange>((resolve) => {
      const off = b.onGenerationChange((e) => {
        off();
        resolve(e);
      });
    });
    // The subscription is asynchronous; publish until it is in place rather than guessing a delay.
    let generation = 0;
    const winner = await Promise.race([
      received,
      (async () => {
        for (;;) {
          generation = await a.resetUser('alice');
          await new Promise((r) => setTimeout(r, 20));
        }
      })(),
    ]);
    expect(winner.user).toBe('alice');
    expect(winner.generation).toBeGreaterThan(1);
    await a.close();
    await b.close();
    expect(generation).toBeGreaterThan(1);
  });

  it('should fail at once, not hang, when Redis cannot be reached', async () => {
    const store = new RedisStore({ url: 'redis://127.0.0.1:1', keyPrefix: freshPrefix(), connectTimeoutMs: 200 });
    await expect(store.ping()).rejects.toThrow();
    await expect(store.getUser('alice')).rejects.toThrow();
    await expect(store.acceptTimeStep('alice', 1, 1, 1)).rejects.toThrow();
    await store.close();
  });

  it('should reconnect by itself when Redis comes back', async () => {
    // A TCP relay stands in for the Redis server so the test can take it away and bring it back.
    const target = new globalThis.URL(URL);
    const sockets = new Set<Socket>();
    const relay = (): Server =>
      createServer((client) => {
        const upstream = new Socket().connect(Number(target.port || 6379), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => {});
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
      });
    let server = relay();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;

    const store = await RedisStore.connect({ url: `redis://127.0.0.1:${port}`, keyPrefix: freshPrefix(), maxBackoffMs: 100 });
    await store.touchUser('alice', { at: 1, ip: '', groups: [] });

    await new Promise<void>((r) => {
      server.close(() => r());
      for (const s of sockets) s.destroy();
    });
    await expect(store.getUser('alice')).rejects.toThrow();

    server = relay();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    expect(await store.waitReady(5000)).toBe(true);
    expect((await store.getUser('alice'))?.user).toBe('alice');
    await store.close();
    await new Promise<void>((r) => {
      server.close(() => r());
      for (const s of sockets) s.destroy();
    });
  });

  it('should show a user lock written through the generic failure key', async () => {
    const store = await RedisStore.connect({ url: URL, keyPrefix: freshPrefix() });
    await store.touchUser('bob', { at: 1, ip: '', groups: [] });
    const r = await store.recordFailure(userLockKey('bob'), 1000, { windowMs: 1000, maxFailures: 1, durationMs: 60_000 });
    expect((await store.getUser('bob'))?.lockedUntil).toBe(r.lockedUntil);
    await store.close();
  });
});

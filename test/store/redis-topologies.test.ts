/**
 * The contract again, through Sentinel and Cluster, when such servers are
 * given (skipped otherwise, as most machines have neither):
 *
 *   GATEHOUSE_TEST_REDIS_SENTINEL=redis-sentinel://127.0.0.1:26390/mymaster
 *   GATEHOUSE_TEST_REDIS_CLUSTER=redis-cluster://127.0.0.1:17000,127.0.0.1:17001
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe } from 'vitest';
import type { Cluster, Redis } from 'ioredis';
import { RedisStore } from '../../src/store/redis.js';
import { runStoreContract } from './contract.js';

const targets = {
  sentinel: process.env.GATEHOUSE_TEST_REDIS_SENTINEL,
  cluster: process.env.GATEHOUSE_TEST_REDIS_CLUSTER,
};

async function removeKeys(client: Redis | Cluster, pattern: string): Promise<void> {
  const nodes = client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      // One DEL per key: in a cluster, keys of one call must share a slot.
      for (const k of keys) await node.del(k);
    } while (cursor !== '0');
  }
}

for (const [name, url] of Object.entries(targets)) {
  describe.skipIf(!url)(`Redis ${name}`, () => {
    const run = `gh-test-${name}:${randomUUID()}:`;
    let n = 0;
    afterAll(async () => {
      const store = await RedisStore.connect({ url: url as string, keyPrefix: run });
      await removeKeys(store.client, `*${run.slice(0, -1)}*`);
      await store.close();
    });
    runStoreContract(`redis ${name}`, async () => RedisStore.connect({ url: url as string, keyPrefix: `${run}${++n}:` }));
  });
}

/** Gatehouse's state (users, secrets, replay guard, lockouts, audit) behind one Store interface, kept in embedded SQLite or shared Redis. */
import type { GatehouseConfig } from '../config/types.js';
import type { Store } from './types.js';

export type * from './types.js';
export { userLockKey } from './common.js';
export type { RedisStoreOptions } from './redis.js';
export type { SqliteStoreOptions } from './sqlite.js';

/**
 * Opens the configured store. Each implementation is imported only when
 * chosen, so a Redis deployment never loads the native SQLite binding and a
 * SQLite one never loads ioredis.
 *
 * A Redis store is returned even when Redis cannot be reached yet: requests
 * then fail closed (503) and the client keeps reconnecting, which is what an
 * operator restarting Redis and Gatehouse in either order expects.
 */
export async function createStore(
  config: GatehouseConfig,
  opts: { /** Redis connection errors, for the log (never contain the password). */ onError?: (err: Error) => void } = {},
): Promise<Store> {
  if (config.store.type === 'redis') {
    const { RedisStore } = await import('./redis.js');
    return RedisStore.connect({ url: config.store.redis.url, keyPrefix: config.store.redis.keyPrefix, ...opts });
  }
  const { resolve } = await import('node:path');
  const { SqliteStore } = await import('./sqlite.js');
  return new SqliteStore({ dir: resolve(config.server.dataDir) });
}

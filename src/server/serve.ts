/**
 * `gatehouse serve`: load, validate, open the store, listen; reload on
 * SIGHUP; stop gracefully on SIGTERM/SIGINT (stop accepting, let requests in
 * flight finish, close WebSockets, close the store) within
 * server.shutdownTimeout.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, type GatehouseApp } from '../app.js';
import { loadConfigFile } from '../config/index.js';
import type { GatehouseConfig } from '../config/types.js';
import { createStore } from '../store/index.js';
import { startPolicySync } from './policy-sync.js';
import { reloadFromFile } from './reload.js';

export const PID_FILE = 'gatehouse.pid';

export interface Running {
  gh: GatehouseApp;
  url: string;
  stop(): Promise<void>;
}

export async function serve(configPath: string, opts: { installSignals?: boolean; config?: GatehouseConfig } = {}): Promise<Running> {
  const config = opts.config ?? loadConfigFile(configPath);
  const store = await createStore(config);
  const gh = await buildApp({ config, store });
  // policy.source: redis — the shared policy document wins over the file's sections.
  const policySync = config.policy.source === 'redis' ? await startPolicySync(gh.services) : null;
  const { host, port } = config.server.listen;
  const address = await gh.app.listen({ host, port });
  gh.app.log.info({ address, upstream: config.upstream.url, prefix: config.server.prefix, store: config.store.type }, 'gatehouse listening');

  mkdirSync(config.server.dataDir, { recursive: true });
  const pidFile = join(config.server.dataDir, PID_FILE);
  writeFileSync(pidFile, String(process.pid) + '\n');

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      gh.app.log.info('stopping: finishing requests in flight');
      const timer = setTimeout(() => {
        gh.app.log.error('shutdown timeout reached; exiting');
        process.exit(1);
      }, config.server.shutdownTimeoutMs);
      timer.unref();
      await gh.close();
      await policySync?.stop();
      await store.close();
      rmSync(pidFile, { force: true });
      clearTimeout(timer);
    })());

  if (opts.installSignals !== false) {
    process.on('SIGHUP', () => {
      void reloadFromFile(gh.services, 'SIGHUP').catch((err: unknown) => gh.app.log.error({ err: (err as Error).message }, 'reload failed'));
    });
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.on(sig, () => {
        void stop().then(() => process.exit(0));
      });
    }
  }
  return { gh, url: address, stop };
}

/**
 * A stack whose config is a real YAML file on disk, as `gatehouse serve`
 * runs it: what the console's saves and reloads read and write.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { startIntranet } from '../../demo/intranet.js';
import { buildApp } from '../../src/app.js';
import { loadConfigFile } from '../../src/config/index.js';
import { createStore } from '../../src/store/index.js';
import { baseConfig, deepMerge, makeClock, type Clock, type Stack } from './stack.js';

export interface FileStack extends Stack {
  /** The config file the app was loaded from. */
  file: string;
}

export interface FileStackOptions {
  /** Deep-merged over baseConfig, then written as YAML. */
  config?: Record<string, unknown>;
  /** Or the exact file text (comments and all); gets the intranet URL and data dir. */
  yaml?: (upstreamUrl: string, dataDir: string) => string;
  clock?: Clock;
  /** A pino logger to read log lines from; silent by default. */
  logger?: Parameters<typeof buildApp>[0]['logger'];
}

export async function startFileStack(opts: FileStackOptions = {}): Promise<FileStack> {
  const intranet = await startIntranet({ port: 0, quiet: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-admin-'));
  const file = join(dataDir, 'gatehouse.yaml');
  const text = opts.yaml ? opts.yaml(intranet.url, dataDir) : YAML.stringify(deepMerge(baseConfig(intranet.url, dataDir), opts.config ?? {}));
  writeFileSync(file, text);
  const config = loadConfigFile(file);
  const clock = opts.clock ?? makeClock();
  const store = await createStore(config);
  const gh = await buildApp({ config, store, now: clock.now, logger: opts.logger ?? false });
  const url = await gh.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    gh,
    url,
    intranet,
    config,
    store,
    clock,
    dataDir,
    file,
    async close() {
      await gh.close();
      await store.close();
      await intranet.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

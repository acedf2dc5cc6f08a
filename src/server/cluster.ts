/**
 * `server.workers`: several worker processes sharing the listening port
 * (node:cluster), because one Node process tops out at one core. Workers share
 * nothing in memory; all state that must agree lives in the store (SQLite in
 * WAL mode handles several processes on one file; Redis is shared anyway).
 *
 * The primary only supervises: it forwards SIGHUP (reload) and SIGTERM
 * (graceful stop) to the workers, restarts a worker that dies unexpectedly,
 * and owns the pid file so `gatehouse reload` signals it.
 */
import cluster from 'node:cluster';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { GatehouseConfig } from '../config/types.js';
import { withNodeFlags } from './node-flags.js';
import { PID_FILE, serve } from './serve.js';

export function workerCount(config: GatehouseConfig): number {
  return config.server.workers === 0 ? availableParallelism() : config.server.workers;
}

/** Runs `serve` directly (one worker) or as a supervised cluster. Resolves when listening (primary: when all workers listen). */
export async function serveWithWorkers(configPath: string, config: GatehouseConfig): Promise<void> {
  const count = workerCount(config);
  if (count <= 1 || cluster.isWorker) {
    // A worker must not write the pid file: the primary's pid is the one to signal.
    await serve(configPath, { config, pidFile: !cluster.isWorker });
    return;
  }
  mkdirSync(config.server.dataDir, { recursive: true });
  const pidFile = join(config.server.dataDir, PID_FILE);
  writeFileSync(pidFile, String(process.pid) + '\n');
  let stopping = false;
  // Workers start with Gatehouse's V8 settings unless the operator chose their own.
  cluster.setupPrimary({ execArgv: withNodeFlags(process.execArgv) });
  const fork = () => cluster.fork();
  for (let i = 0; i < count; i++) fork();
  // Only the primary serves metrics, adding up what the workers report:
  // otherwise each scrape would reach whichever worker the kernel picked.
  if (config.metrics.listen) await (await import('../ops/cluster-metrics.js')).startClusterMetricsServer(config.metrics.listen);
  const everListened = new Set<number>();
  cluster.on('listening', (w) => everListened.add(w.id));
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping && !everListened.has(worker.id)) {
      // A worker that never got to listen (bad certificate, port in use,
      // unreadable store) would fail again: stop, so systemd sees the failure.
      process.stderr.write(`gatehouse: worker ${worker.process.pid} failed to start (${signal ?? code}); stopping\n`);
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      rmSync(pidFile, { force: true });
      process.exit(1);
    }
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        rmSync(pidFile, { force: true });
        process.exit(0);
      }
      return;
    }
    process.stderr.write(`gatehouse: worker ${worker.process.pid} exited (${signal ?? code}); starting a new one\n`);
    fork();
  });
  // A worker still starting has no SIGHUP handler yet (the signal would kill
  // it) and reads the file anyway: reloads go only to listening workers.
  const ready = new Set<number>();
  cluster.on('listening', (w) => ready.add(w.id));
  cluster.on('exit', (w) => ready.delete(w.id));
  const each = (sig: NodeJS.Signals, onlyReady: boolean) => {
    for (const w of Object.values(cluster.workers ?? {})) if (w && (!onlyReady || ready.has(w.id))) w.process.kill(sig);
  };
  process.on('SIGHUP', () => each('SIGHUP', true));
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      stopping = true;
      each('SIGTERM', false);
      // Workers exit within server.shutdownTimeout; the primary follows the last one.
      setTimeout(() => process.exit(1), config.server.shutdownTimeoutMs + 2000).unref();
    });
  }
  await new Promise<void>((resolve) => {
    let listening = 0;
    cluster.on('listening', () => {
      if (++listening === count) resolve();
    });
  });
}

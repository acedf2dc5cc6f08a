/**
 * `gatehouse serve` as a child process, the way systemd or Docker runs it:
 * real signals, real exit codes, the compiled CLI from dist/ (`npm test`
 * builds it first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { baseConfig, deepMerge } from '../helpers/stack.js';
import { freePort } from './helpers.js';

export const CLI = resolve('dist/src/cli.js');

export interface Child {
  proc: ChildProcess;
  /** Gatehouse's base URL (http or https). */
  url: string;
  port: number;
  dir: string;
  configFile: string;
  records: Record<string, unknown>[];
  stderr: () => string;
  /** Resolves with the first log record matching `pred`. */
  waitFor(pred: (r: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does it first)`);
}

export async function startChild(upstreamUrl: string, over: Record<string, unknown> = {}, scheme: 'http' | 'https' = 'http', dir?: string): Promise<Child> {
  assertBuilt();
  dir ??= mkdtempSync(join(tmpdir(), 'gatehouse-child-'));
  const port = await freePort();
  const raw = deepMerge(
    deepMerge(baseConfig(upstreamUrl, join(dir, 'data')), {
      server: { listen: `127.0.0.1:${port}`, publicUrl: `${scheme}://127.0.0.1:${port}` },
      log: { level: 'info', access: true },
    }),
    over,
  );
  const configFile = join(dir, 'gatehouse.yaml');
  writeFileSync(configFile, YAML.stringify(raw));
  const proc = spawn(process.execPath, [CLI, 'serve', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const records: Record<string, unknown>[] = [];
  const waiters: { pred: (r: Record<string, unknown>) => boolean; resolve: (r: Record<string, unknown>) => void }[] = [];
  let buf = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let r: Record<string, unknown>;
      try {
        r = JSON.parse(line) as Record<string, unknown>;
      } catch {
        r = { msg: line };
      }
      records.push(r);
      for (const w of [...waiters]) {
        if (w.pred(r)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(r);
        }
      }
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((res) =>
    proc.once('exit', (code, signal) => res({ code, signal, at: Date.now() })),
  );
  const waitFor = (pred: (r: Record<string, unknown>) => boolean, timeoutMs = 15_000) => {
    const seen = records.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`timed out waiting for a log record; stderr: ${err}\nlog: ${JSON.stringify(records.slice(-5))}`)), timeoutMs);
      waiters.push({
        pred,
        resolve: (r) => {
          clearTimeout(t);
          res(r);
        },
      });
      void exited.then(({ code }) => {
        clearTimeout(t);
        rej(new Error(`gatehouse exited with ${code} before the expected log record; stderr: ${err}`));
      });
    });
  };
  await waitFor((r) => r.msg === 'gatehouse listening');
  return { proc, url: `${scheme}://127.0.0.1:${port}`, port, dir, configFile, records, stderr: () => err, waitFor, exited };
}

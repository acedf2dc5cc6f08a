/**
 * Child processes for the bench and what /proc says about them: every server
 * runs in its own process so its CPU time and memory are its own, read from
 * /proc/PID/{stat,status} (utime + stime, VmRSS, VmHWM) of the whole process
 * tree (nginx and a Gatehouse cluster are a master plus workers).
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** A free TCP port on loopback (bound, read, released: fine for a bench on a quiet machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface StatLine {
  ppid: number;
  /** utime + stime in clock ticks. */
  ticks: number;
  /** cutime + cstime: children that exited and were waited for (e.g. each wrk run). */
  childTicks: number;
}

function readStat(pid: number): StatLine | null {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses: the fields start after the last ')'.
    const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), childTicks: Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

/** `pid` and all its descendants that are alive now. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const p = Number(name);
    if (!Number.isInteger(p) || p <= 0) continue;
    const st = readStat(p);
    if (!st) continue;
    const list = children.get(st.ppid);
    if (list) list.push(p);
    else children.set(st.ppid, [p]);
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    for (const c of children.get(p) ?? []) stack.push(c);
  }
  return out;
}

/** CPU time (user + system) of the processes, in microseconds. */
export function cpuMicros(pids: readonly number[]): number {
  let ticks = 0;
  for (const p of pids) ticks += readStat(p)?.ticks ?? 0;
  return (ticks * 1e6) / CLK_TCK;
}

/** CPU time of the whole machine that was not idle (all cores), in microseconds. */
export function machineBusyMicros(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: everything but idle and iowait.
  const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + (f[7] ?? 0);
  return (busy * 1e6) / CLK_TCK;
}

/**
 * CPU time of this bench and everything it started, in microseconds: the
 * servers still running plus the load generators that have exited (their
 * time is added to ours when they are reaped).
 */
export function benchCpuMicros(): number {
  const own = readStat(process.pid);
  return cpuMicros(processTree(process.pid)) + ((own?.childTicks ?? 0) * 1e6) / CLK_TCK;
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident set size now, summed over the processes, in MB. */
export function rssMb(pids: readonly number[]): number {
  return pids.reduce((sum, p) => sum + statusKb(p, 'VmRSS'), 0) / 1024;
}

/** Peak resident set size (VmHWM) summed over the processes, in MB. */
export function peakRssMb(pids: readonly number[]): number {
  return pids.reduce((sum, p) => sum + statusKb(p, 'VmHWM'), 0) / 1024;
}

/** Samples RSS every `everyMs` until stopped; returns the highest value seen. */
export function sampleRss(pids: () => readonly number[], everyMs = 50): { stop(): number } {
  let max = rssMb(pids());
  const t = setInterval(() => {
    max = Math.max(max, rssMb(pids()));
  }, everyMs);
  return {
    stop() {
      clearInterval(t);
      max = Math.max(max, rssMb(pids()));
      return max;
    },
  };
}

export interface Child {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** The process and its descendants (workers), looked up now. */
  tree(): number[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<Child>();

/** Starts a child with stdout/stderr to `logFile`; it is stopped when the bench exits, whatever happens. */
export function startChild(name: string, cmd: string, args: string[], logFile: string, opts: { ipc?: boolean; env?: NodeJS.ProcessEnv } = {}): Child {
  const log = createWriteStream(logFile);
  const spawnOpts: SpawnOptions = {
    stdio: opts.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
  };
  const proc = spawn(cmd, args, spawnOpts);
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  if (proc.pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const child: Child = {
    name,
    proc,
    pid: proc.pid,
    tree: () => processTree(proc.pid!),
    async stop(signal = 'SIGTERM') {
      running.delete(child);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      const timeout = sleep(15_000).then(() => 'timeout' as const);
      if ((await Promise.race([exited, timeout])) === 'timeout') {
        proc.kill('SIGKILL');
        await exited;
      }
    },
  };
  running.add(child);
  return child;
}

/** Kills every child still running (by its own pid): used on errors and signals. */
export function killAll(): void {
  for (const c of running) {
    try {
      c.proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

/** Runs a bench script's main: exit 0 when it is done, or report the error, kill every child and exit 1. */
export function runMain(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${name} failed: ${(err as Error).stack ?? String(err)}\n`);
      killAll();
      process.exit(1);
    },
  );
}

process.once('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    killAll();
    process.exit(130);
  });
}

/** Polls `url` until it answers `status` (any status when omitted) or the time is up. */
export async function waitForHttp(url: string, child: Child, timeoutMs = 20_000, status?: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    if (child.proc.exitCode !== null) throw new Error(`${child.name} exited with code ${child.proc.exitCode} before it was ready (see its log)`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (status === undefined || res.status === status) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${child.name} not ready at ${url} after ${timeoutMs} ms (${last})`);
}

/** Waits for the first IPC message of a forked child. */
export function firstMessage<T>(child: Child, timeoutMs = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${child.name}: no ready message after ${timeoutMs} ms`)), timeoutMs);
    child.proc.once('message', (m) => {
      clearTimeout(t);
      resolve(m as T);
    });
    child.proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`${child.name} exited with code ${code} before it was ready`));
    });
  });
}

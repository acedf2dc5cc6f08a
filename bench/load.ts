/**
 * The load generator: wrk when installed (C, two threads, leaves the CPU to
 * the servers), else autocannon from npm in a child process. Both report the
 * same shape so the rest of the bench does not care which ran.
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Socket errors, timeouts and non-2xx/3xx responses. */
  errors: number;
}

export interface LoadRequest {
  url: string;
  headers: Record<string, string>;
  connections: number;
  threads: number;
  seconds: number;
}

export interface Loader {
  name: string;
  run(req: LoadRequest): Promise<LoadResult>;
}

const WRK_SCRIPT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\nBENCHJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p99":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    // wrk --version exits 1 after printing its version.
    return (err as { status?: number }).status === 1;
  }
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err || out}`))));
  });
}

function wrkLoader(tmpDir: string): Loader {
  const script = join(tmpDir, 'report.lua');
  writeFileSync(script, WRK_SCRIPT);
  return {
    name: 'wrk',
    async run(r) {
      const args = ['-t', String(r.threads), '-c', String(r.connections), '-d', `${r.seconds}s`, '-s', script];
      for (const [k, v] of Object.entries(r.headers)) args.push('-H', `${k}: ${v}`);
      args.push(r.url);
      const out = await run('wrk', args);
      const line = out.split('\n').find((l) => l.startsWith('BENCHJSON '));
      if (!line) throw new Error(`wrk printed no result: ${out}`);
      const j = JSON.parse(line.slice('BENCHJSON '.length)) as Record<string, number>;
      const seconds = j.duration_us! / 1e6;
      return {
        requests: j.requests!,
        seconds,
        rps: j.requests! / seconds,
        p50Ms: j.p50! / 1000,
        p99Ms: j.p99! / 1000,
        errors: j.connect! + j.read! + j.write! + j.status! + j.timeout!,
      };
    },
  };
}

function autocannonLoader(): Loader {
  const worker = fileURLToPath(new URL('./ac-worker.js', import.meta.url));
  return {
    name: 'autocannon',
    async run(r) {
      const out = await run(process.execPath, [worker, JSON.stringify(r)]);
      return JSON.parse(out) as LoadResult;
    },
  };
}

export function pickLoader(preference: string, tmpDir: string): Loader {
  if (preference === 'wrk') {
    if (!hasWrk()) throw new Error('BENCH_LOADER=wrk but wrk is not installed (apt-get install wrk)');
    return wrkLoader(tmpDir);
  }
  if (preference === 'autocannon') return autocannonLoader();
  return hasWrk() ? wrkLoader(tmpDir) : autocannonLoader();
}

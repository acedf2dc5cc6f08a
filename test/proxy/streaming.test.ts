/**
 * Issue 2 §3: bodies are streamed in both directions with flat memory. The
 * real `gatehouse serve` runs as a child process (from dist/, which
 * `npm test` builds first) so its resident memory can be read from
 * /proc/PID/status while 256 MB go through it each way.
 *
 * The acceptance size, 1 GB each way, by hand (demo intranet on 8081,
 * Gatehouse on 8080 as in config.example.yaml, `npm run demo`):
 *
 *   curl -s http://127.0.0.1:8080/download?size=1073741824 | sha256sum
 *   head -c 1073741824 /dev/urandom > /tmp/1g && sha256sum /tmp/1g
 *   curl -s -T /tmp/1g http://127.0.0.1:8080/upload        # {bytes, sha256}
 *   grep -E 'VmRSS|VmHWM' /proc/$(cat data/gatehouse.pid)/status
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadBytes, PATTERN_PERIOD, startIntranet, type Intranet } from '../../demo/intranet.js';
import { baseConfig, deepMerge } from '../helpers/stack.js';
import { patternSha, patternStream, procStatus, rawRequest } from './support.js';

const SIZE = 256 * 1024 * 1024;
/** Growth of the resident set allowed while 256 MB pass: far below what buffering would cost. */
const MAX_GROWTH_KB = 96 * 1024;
const CLI = resolve('dist/src/cli.js');

let intranet: Intranet;
let child: ChildProcess;
let base: string;
let dataDir: string;

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => ok(port));
    });
  });
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does) before this suite`);
  intranet = await startIntranet({ port: 0, quiet: true });
  dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-stream-'));
  const port = await freePort();
  const cfg = deepMerge(baseConfig(intranet.url, dataDir), {
    // One process (no cluster workers), so the pid we measure is the one proxying.
    server: { listen: `127.0.0.1:${port}`, publicUrl: `http://127.0.0.1:${port}`, workers: 1 },
    log: { level: 'info', access: false },
  });
  const file = join(dataDir, 'gatehouse.yaml');
  writeFileSync(file, YAML.stringify(cfg));
  child = spawn(process.execPath, [CLI, 'serve', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  // Ready when it says so: the log line written after listen().
  await new Promise<void>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('gatehouse listening')) ok();
    });
    child.once('exit', (code) => fail(new Error(`gatehouse exited with ${code}: ${stderr}${out}`)));
  });
  base = `http://127.0.0.1:${port}`;
  // Warm up: first requests allocate pools, JIT, TLS-free buffers; measure after.
  await rawRequest(base, { path: '/download?size=5000000' });
  await rawRequest(base, { method: 'POST', path: '/upload', body: Buffer.alloc(5_000_000, 7) });
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGTERM');
    await exited;
  }
  await intranet?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** SHA-256 of the first `size` bytes of the intranet's download pattern, computed period by period. */
function expectedDownloadSha(size: number): string {
  const h = createHash('sha256');
  const period = downloadBytes(0, PATTERN_PERIOD);
  for (let done = 0; done < size; done += PATTERN_PERIOD) h.update(period.subarray(0, Math.min(PATTERN_PERIOD, size - done)));
  return h.digest('hex');
}

function download(path: string): Promise<{ status: number; bytes: number; sha: string }> {
  return new Promise((ok, fail) => {
    http.get(base + path, { agent: false }, (res) => {
      const h = createHash('sha256');
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        h.update(c);
      });
      res.on('end', () => ok({ status: res.statusCode!, bytes, sha: h.digest('hex') }));
      res.on('error', fail);
    }).on('error', fail);
  });
}

async function upload(size: number, chunked: boolean): Promise<{ status: number; body: { bytes: number; sha256: string } }> {
  const req = http.request(base + '/upload', {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/octet-stream', ...(chunked ? {} : { 'content-length': String(size) }) },
  });
  const answer = new Promise<{ status: number; body: { bytes: number; sha256: string } }>((ok, fail) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => ok({ status: res.statusCode!, body: JSON.parse(text) as { bytes: number; sha256: string } }));
    });
    req.on('error', fail);
  });
  await pipeline(patternStream(size), req);
  return answer;
}

describe('streaming with flat memory (gatehouse serve as a child process)', () => {
  it('should stream a 256 MB download byte for byte without its memory growing', async () => {
    const before = await procStatus(child.pid!, 'VmRSS');
    const res = await download(`/download?size=${SIZE}`);
    const peak = await procStatus(child.pid!, 'VmHWM');
    expect(res.status).toBe(200);
    expect(res.bytes).toBe(SIZE);
    expect(res.sha).toBe(expectedDownloadSha(SIZE));
    expect(peak - before).toBeLessThan(MAX_GROWTH_KB);
  });

  it('should stream a 256 MB chunked download byte for byte without its memory growing', async () => {
    const before = await procStatus(child.pid!, 'VmRSS');
    const res = await download(`/download?size=${SIZE}&chunked=1`);
    const peak = await procStatus(child.pid!, 'VmHWM');
    expect(res.bytes).toBe(SIZE);
    expect(res.sha).toBe(expectedDownloadSha(SIZE));
    expect(peak - before).toBeLessThan(MAX_GROWTH_KB);
  });

  it('should stream a 256 MB Content-Length upload byte for byte without its memory growing', async () => {
    const before = await procStatus(child.pid!, 'VmRSS');
    const res = await upload(SIZE, false);
    const peak = await procStatus(child.pid!, 'VmHWM');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ bytes: SIZE, sha256: await patternSha(SIZE) });
    expect(peak - before).toBeLessThan(MAX_GROWTH_KB);
  });

  it('should stream a 256 MB chunked upload byte for byte without its memory growing', async () => {
    const before = await procStatus(child.pid!, 'VmRSS');
    const res = await upload(SIZE, true);
    const peak = await procStatus(child.pid!, 'VmHWM');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ bytes: SIZE, sha256: await patternSha(SIZE) });
    expect(peak - before).toBeLessThan(MAX_GROWTH_KB);
  });
});

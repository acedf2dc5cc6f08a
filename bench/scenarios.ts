/**
 * The bench's non-throughput scenarios: a cold burst of one new credential
 * (identity look-ups coalesced), 1 GB streamed each way (time and the proxy's
 * RSS growth), and many concurrent WebSockets echoing through the proxy.
 */
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { sampleRss } from './proc.js';

export interface BurstResult {
  requests: number;
  ok: number;
  lookups: number;
  ms: number;
}

/**
 * `n` requests at once carrying one credential Gatehouse has never seen. The
 * connections are opened first (with a bypassed, credential-free request) so
 * the burst itself arrives together instead of staggered by TCP handshakes.
 */
export async function coldBurst(url: string, path: string, cookie: string, n: number, lookupsSoFar: () => Promise<number>): Promise<BurstResult> {
  const agent = new Agent({ connections: n, pipelining: 1, keepAliveTimeout: 30_000 });
  try {
    await Promise.all(
      Array.from({ length: n }, async () => {
        const r = await request(`${url}/assets/logo.svg`, { dispatcher: agent });
        await r.body.dump();
      }),
    );
    const before = await lookupsSoFar();
    const t0 = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: n }, async () => {
        const r = await request(`${url}${path}`, { dispatcher: agent, headers: { cookie } });
        await r.body.dump();
        return r.statusCode;
      }),
    );
    const ms = performance.now() - t0;
    const lookups = (await lookupsSoFar()) - before;
    return { requests: n, ok: statuses.filter((s) => s === 200).length, lookups, ms };
  } finally {
    await agent.close();
  }
}

export interface StreamResult {
  direction: 'download' | 'upload';
  bytes: number;
  ok: boolean;
  seconds: number;
  mbPerSecond: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssGrowthMb: number;
  detail: string;
}

/** Runs one transfer while sampling the proxy's RSS (before, and the peak during it) and timing it. */
async function measuredTransfer<T>(pids: () => number[], transfer: () => Promise<T>): Promise<{ value: T; seconds: number; rss: Pick<StreamResult, 'rssBeforeMb' | 'rssPeakMb' | 'rssGrowthMb'> }> {
  const before = sampleRss(pids).stop();
  const sampler = sampleRss(pids);
  const t0 = performance.now();
  let value: T;
  let peak = 0;
  try {
    value = await transfer();
  } finally {
    peak = sampler.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { value, seconds, rss: { rssBeforeMb: before, rssPeakMb: peak, rssGrowthMb: peak - before } };
}

/** GET /download?size=N through the proxy, counting bytes as they arrive. */
export async function download(url: string, headers: Record<string, string>, size: number, pids: () => number[]): Promise<StreamResult> {
  const { value, seconds, rss } = await measuredTransfer(pids, async () => {
    const res = await request(`${url}/download?size=${size}`, { headers, bodyTimeout: 120_000, headersTimeout: 30_000 });
    let bytes = 0;
    for await (const chunk of res.body) bytes += (chunk as Buffer).length;
    return { status: res.statusCode, bytes };
  });
  const { status, bytes } = value;
  return {
    direction: 'download',
    bytes,
    ok: status === 200 && bytes === size,
    seconds,
    mbPerSecond: bytes / 1024 / 1024 / seconds,
    ...rss,
    detail: `status ${status}, ${bytes} of ${size} bytes`,
  };
}

/** POST /upload through the proxy from a generated stream; the intranet answers with the byte count it received. */
export async function upload(url: string, headers: Record<string, string>, size: number, pids: () => number[]): Promise<StreamResult> {
  const chunk = Buffer.alloc(256 * 1024, 0x5a);
  async function* body(): AsyncGenerator<Buffer> {
    let left = size;
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      yield n === chunk.length ? chunk : chunk.subarray(0, n);
    }
  }
  const { value, seconds, rss } = await measuredTransfer(pids, async () => {
    const res = await request(`${url}/upload`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: Readable.from(body(), { objectMode: false }),
      bodyTimeout: 120_000,
      headersTimeout: 120_000,
    });
    return { status: res.statusCode, answer: await res.body.text() };
  });
  const { status, answer } = value;
  let received = -1;
  try {
    received = (JSON.parse(answer) as { bytes: number }).bytes;
  } catch {
    // reported below
  }
  return {
    direction: 'upload',
    bytes: size,
    ok: status === 200 && received === size,
    seconds,
    mbPerSecond: size / 1024 / 1024 / seconds,
    ...rss,
    detail: `status ${status}, intranet received ${received} of ${size} bytes`,
  };
}

export interface WsResult {
  sockets: number;
  opened: number;
  messages: number;
  echoed: number;
  openMs: number;
  echoSeconds: number;
  messagesPerSecond: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  errors: string[];
}

/** `n` WebSockets to /ws through the proxy, all open at once, each echoing `m` messages in turn. */
export async function websockets(url: string, headers: Record<string, string>, n: number, m: number, pids: () => number[]): Promise<WsResult> {
  const wsUrl = url.replace(/^http/, 'ws') + '/ws';
  const before = sampleRss(pids).stop();
  const sampler = sampleRss(pids);
  const errors: string[] = [];
  const t0 = performance.now();
  const sockets = await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<WebSocket | null>((resolve) => {
        const ws = new WebSocket(wsUrl, { headers, perMessageDeflate: false });
        ws.once('open', () => resolve(ws));
        ws.once('unexpected-response', (_req, res) => {
          if (errors.length < 5) errors.push(`upgrade refused: ${res.statusCode}`);
          resolve(null);
        });
        ws.once('error', (err) => {
          if (errors.length < 5) errors.push(err.message);
          resolve(null);
        });
      }),
    ),
  );
  const openMs = performance.now() - t0;
  const open = sockets.filter((s): s is WebSocket => s !== null);
  const payload = Buffer.alloc(128, 0x61).toString();
  const t1 = performance.now();
  const counts = await Promise.all(
    open.map(
      (ws) =>
        new Promise<number>((resolve) => {
          let got = 0;
          const timer = setTimeout(() => resolve(got), 60_000);
          ws.on('message', () => {
            got++;
            if (got >= m) {
              clearTimeout(timer);
              resolve(got);
            } else ws.send(payload);
          });
          ws.send(payload);
        }),
    ),
  );
  const echoSeconds = (performance.now() - t1) / 1000;
  const peak = sampler.stop();
  await Promise.all(
    open.map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.close(1000, 'done');
          setTimeout(() => {
            ws.terminate();
            resolve();
          }, 5000).unref();
        }),
    ),
  );
  const echoed = counts.reduce((a, b) => a + b, 0);
  return {
    sockets: n,
    opened: open.length,
    messages: n * m,
    echoed,
    openMs,
    echoSeconds,
    messagesPerSecond: echoed / echoSeconds,
    rssBeforeMb: before,
    rssPeakMb: peak,
    errors,
  };
}

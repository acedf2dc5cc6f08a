import { rmSync } from 'node:fs';
import { request } from 'undici';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startIntranet, type Intranet } from '../../demo/intranet.js';
import { assertBuilt, startChild, type Child } from './child.js';

let intranet: Intranet | undefined;
let child: Child | undefined;
beforeAll(() => assertBuilt());
afterEach(async () => {
  if (child && child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
  if (child) rmSync(child.dir, { recursive: true, force: true });
  child = undefined;
  await intranet?.close();
  intranet = undefined;
});

async function untilUpstreamSaw(i: Intranet, count: number): Promise<void> {
  for (let n = 0; n < 200 && i.stats.requests < count; n++) await new Promise((r) => setTimeout(r, 10));
  expect(i.stats.requests).toBeGreaterThanOrEqual(count);
}

/**
 * Waits until `count` processes (each worker logs with its own pid) have
 * logged a line starting with `msg`. startChild returns at the first
 * "gatehouse listening", when in a cluster the other worker may still be
 * starting, without its SIGTERM handler; and the primary signals the workers
 * one after the other.
 */
async function untilEachLogged(c: Child, count: number, msg: string): Promise<void> {
  const pids = new Set<unknown>();
  await c.waitFor((r) => {
    if (typeof r.msg === 'string' && r.msg.startsWith(msg)) pids.add(r.pid);
    return pids.size >= count;
  });
}

describe.each([1, 2])('graceful stop (SIGTERM) with server.workers %i', (workers) => {
  it('should finish a request in flight, send WebSockets a 1001 close, refuse new connections and exit 0', async () => {
    intranet = await startIntranet({ port: 0, quiet: true });
    child = await startChild(intranet.url, { server: { workers, shutdownTimeout: '8s' } });
    const c = child;
    await untilEachLogged(c, workers, 'gatehouse listening');

    // An open WebSocket (anonymous: forwarded) and a keep-alive connection.
    const ws = new WebSocket(`ws://127.0.0.1:${c.port}/ws`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const wsClosed = new Promise<{ code: number }>((resolve) => ws.once('close', (code) => resolve({ code })));
    ws.on('error', () => {});

    const before = intranet.stats.requests;
    const slow = request(`${c.url}/slow?ms=1500`);
    await untilUpstreamSaw(intranet, before + 1);
    const sentAt = Date.now();
    c.proc.kill('SIGTERM');

    await untilEachLogged(c, workers, 'stopping');
    if (workers === 1) {
      // The listening socket is closed at once: a new connection is refused.
      await expect(request(`${c.url}/_gatehouse/healthz`)).rejects.toThrow(/ECONNREFUSED|other side closed|ECONNRESET|SocketError/);
    } else {
      // In a cluster the primary owns the listening socket until the last
      // worker is gone, so a new connection may still be handed to a worker
      // that is closing: it must be refused either way, never served.
      const fresh = await request(`${c.url}/_gatehouse/healthz`).then(
        async (r) => {
          await r.body.dump();
          return r.statusCode;
        },
        () => 'refused' as const,
      );
      expect([503, 'refused']).toContain(fresh);
    }

    const res = await slow;
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ waitedMs: 1500 });
    expect((await wsClosed).code).toBe(1001);

    const exit = await c.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - sentAt).toBeLessThan(8000);
    expect(c.records.some((r) => r.msg === 'stopped' && r.timedOut === false)).toBe(true);
  });

  it('should cut what is still running at server.shutdownTimeout and still exit 0 in time', async () => {
    intranet = await startIntranet({ port: 0, quiet: true });
    child = await startChild(intranet.url, { server: { workers, shutdownTimeout: '1s' } });
    const c = child;
    await untilEachLogged(c, workers, 'gatehouse listening');
    const before = intranet.stats.requests;
    const slow = request(`${c.url}/slow?ms=30000`).then(
      (r) => r.statusCode,
      (e: Error) => e,
    );
    await untilUpstreamSaw(intranet, before + 1);
    const sentAt = Date.now();
    c.proc.kill('SIGTERM');
    const exit = await c.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - sentAt).toBeLessThan(4000);
    expect(await slow).toBeInstanceOf(Error);
    expect(c.records.some((r) => r.msg === 'shutdown timeout reached: closing the connections still open')).toBe(true);
    expect(c.records.some((r) => String(r.msg).startsWith('stopped') && r.timedOut === true)).toBe(true);
  });
});

/**
 * Failing closed and healing, end to end: `gatehouse serve` as its own
 * process on a redis-server of the test's own, which the test kills (SIGKILL,
 * a crash) and starts again on the same port and data directory.
 *
 * While Redis is away, in-scope requests get a 503 (a page for browsers) and
 * never reach the intranet, while out-of-scope and bypassed traffic flows
 * and readiness says "not ready". When Redis returns, Gatehouse resumes by
 * itself, and the enrolment it acknowledged before the crash is still there
 * (append-only file, fsync always: Redis persistence is what makes that true).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startIntranet, type Intranet } from '../../demo/intranet.js';
import { Browser, pathOf } from '../helpers/client.js';
import { enrol, verify } from '../helpers/flows.js';
import {
  clockStack,
  freePort,
  realClock,
  redisOverrides,
  spawnGatehouse,
  startRecorder,
  startRedisServer,
  waitFor,
  writeConfig,
  type GatehouseProcess,
  type RedisServer,
} from './support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

async function readyz(base: string): Promise<{ status: number; body: { status: string; checks: Record<string, { status: string; detail?: string }> } }> {
  const res = await request(`${base}/_gatehouse/readyz`);
  return { status: res.statusCode, body: (await res.body.json()) as { status: string; checks: Record<string, { status: string; detail?: string }> } };
}

describe('redis outage', () => {
  it('should fail closed while redis is down and resume by itself, with the enrolment kept', async () => {
    const redis: RedisServer = await startRedisServer();
    cleanups.push(() => redis.stop());
    const intranet: Intranet = await startIntranet({ port: 0, quiet: true });
    cleanups.push(() => intranet.close());
    const recorder = await startRecorder(intranet.url);
    cleanups.push(() => recorder.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-failover-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const { file } = writeConfig(dataDir, recorder.url, {
      ...redisOverrides('gatehouse:', redis.url, 'redis'),
      // One process: the test kills and counts exactly what it started.
      server: { listen: `127.0.0.1:${port}`, workers: 1 },
      log: { level: 'warn', access: false },
    });
    const gh: GatehouseProcess = await spawnGatehouse(file, port);
    cleanups.push(() => gh.stop());

    // Real time in the child: enrol with the current code, verify later with the next step's.
    const clock = realClock();
    const alice = new Browser(gh.url);
    await alice.login('alice');
    const { key } = await enrol(clockStack(clock), alice, '/reports');
    expect((await alice.get('/reports')).body).toContain('Logged in as alice');
    const bob = new Browser(gh.url);
    await bob.login('bob');
    expect((await readyz(gh.url)).status).toBe(200);

    await redis.kill();
    const hitsBefore = recorder.hits.length;

    // In scope, verified a moment ago: refused, with a page, and not forwarded.
    const page = await alice.get('/reports');
    expect(page.status).toBe(503);
    expect(String(page.headers['content-type'])).toContain('text/html');
    expect(page.headers['retry-after']).toBe('5');
    expect(page.body).toContain('unavailable');
    expect(page.body).not.toContain('Logged in as alice');
    const api = await alice.send('GET', '/reports', { headers: { accept: 'application/json' } });
    expect(api.status).toBe(503);
    expect(JSON.parse(api.body)).toMatchObject({ error: 'GH_ERR_STORE_UNAVAILABLE' });
    const post = await alice.send('POST', '/reports', { headers: { accept: 'application/json', 'content-type': 'text/plain' }, body: 'x' });
    expect(post.status).toBe(503);
    // Gatehouse's own pages that need the store fail closed too.
    expect((await alice.get('/_gatehouse/challenge?rd=%2Freports')).status).toBe(503);

    // Out of scope and bypassed: still flowing.
    expect((await bob.get('/reports')).body).toContain('Logged in as bob');
    expect((await alice.get('/login')).status).toBe(200);
    expect((await alice.get('/assets/style.css')).status).toBe(200);

    const notReady = await readyz(gh.url);
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatchObject({ status: 'not ready', checks: { store: { status: 'down' }, upstream: { status: 'ok' } } });
    expect(String(notReady.body.checks.store?.detail)).toContain('not connected');

    // The intranet saw bob's page and the bypassed requests, never alice's protected page or POST.
    const during = recorder.hits.slice(hitsBefore);
    expect(during).toContain('GET /reports'); // bob's
    expect(during.filter((h) => h === 'GET /reports')).toHaveLength(1);
    expect(during).not.toContain('POST /reports');

    // Redis returns (same port, same append-only file); Gatehouse is not touched.
    await redis.restart();
    await waitFor('readiness after redis returned', async () => ((await readyz(gh.url)).status === 200 ? true : undefined), 20_000, 100);
    // Her 2FA session still holds: the generation it carries survived the crash.
    expect((await alice.get('/reports')).body).toContain('Logged in as alice');
    // A new intranet login asks for a code, and the authenticator set up before the crash still works.
    await alice.get('/logout');
    await alice.login('alice');
    expect(pathOf((await alice.get('/reports')).location)).toBe('/_gatehouse/challenge?rd=%2Freports');
    const v = await verify(clockStack(clock), alice, key);
    expect(v.path).toBe('/reports');
    expect((await alice.get('/reports')).body).toContain('Logged in as alice');
  });
});

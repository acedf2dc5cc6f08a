import { writeFileSync } from 'node:fs';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import YAML from 'yaml';
import { reloadFromFile } from '../../src/server/reload.js';
import { inputValue, pathOf } from '../helpers/client.js';
import { browserFor, enrol, totp } from '../helpers/flows.js';
import { baseConfig, deepMerge } from '../helpers/stack.js';
import { sample, startOpsStack, type OpsStack } from './helpers.js';

let stack: OpsStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const OVERRIDES = {
  twoFactor: { lockout: { maxFailures: 3, window: '5m', duration: '15m' } },
  upstream: { timeout: '1s' },
};

describe('metrics', () => {
  it('should serve Prometheus text on its own listener, and nothing under the public prefix', async () => {
    stack = await startOpsStack();
    const res = await request(`${stack.metricsServer.url}/metrics`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = await res.body.text();
    expect(text).toContain('# TYPE gatehouse_requests_total counter');
    // Default process metrics, under their conventional names.
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(text).toContain('nodejs_heap_size_total_bytes');
    expect(sample(text, 'gatehouse_info', { version: '0.1.0' })).toBe(1);
    expect(sample(text, 'gatehouse_policy_version')).toBe(1);
    // Series exist at zero before anything happened, so alerts on rate() work from the start.
    expect(sample(text, 'gatehouse_requests_total', { decision: 'challenged', rule: 'challenge' })).toBe(0);
    expect(sample(text, 'gatehouse_second_factor_total', { outcome: 'failed' })).toBe(0);

    expect((await request(`${stack.metricsServer.url}/nope`)).statusCode).toBe(404);
    const pub = await request(`${stack.url}/_gatehouse/metrics`);
    expect(pub.statusCode).toBe(404);
    await pub.body.dump();
  });

  it('should count decisions, second-factor outcomes, lockouts, upstream, identity, store, reloads and websockets after a scripted session', async () => {
    stack = await startOpsStack({ config: OVERRIDES });
    const s = stack;

    // Anonymous, a bypassed login, an out-of-scope user.
    expect((await browserFor(s).get('/reports')).status).toBe(302);
    const bob = browserFor(s);
    await bob.login('bob');
    expect((await bob.get('/reports')).status).toBe(200);
    expect((await bob.get('/reports')).status).toBe(200);

    // alice: sent to set-up, enrols, then forwarded on her 2FA session.
    const alice = browserFor(s);
    await alice.login('alice');
    expect(pathOf((await alice.get('/reports')).location)).toMatch(/^\/_gatehouse\/enrol/);
    const { key, codes } = await enrol(s, alice);
    expect((await alice.get('/reports')).status).toBe(200);

    // A new login: challenged; three wrong codes lock her out.
    await alice.get('/logout');
    await alice.login('alice');
    expect(pathOf((await alice.get('/reports')).location)).toMatch(/^\/_gatehouse\/challenge/);
    const page = await alice.get('/_gatehouse/challenge?rd=%2Freports');
    const csrf = inputValue(page.body, 'csrf')!;
    const wrong = totp(s, key, 40);
    for (let i = 0; i < 3; i++) await alice.post('/_gatehouse/challenge', { csrf, rd: '/reports', code: wrong });
    expect(pathOf((await alice.get('/reports')).location)).toMatch(/^\/_gatehouse\/locked/);

    // After the lock: a recovery code, then a fresh login verified with a TOTP code.
    s.clock.advance(16 * 60_000);
    const rec = await alice.post('/_gatehouse/recovery', { csrf, rd: '/reports', code: codes[0]! });
    expect(rec.status).toBe(303);
    await alice.get('/logout');
    await alice.login('alice');
    const page2 = await alice.get('/_gatehouse/challenge?rd=%2Freports');
    const ok = await alice.post('/_gatehouse/challenge', { csrf: inputValue(page2.body, 'csrf')!, rd: '/reports', code: totp(s, key) });
    expect(ok.status).toBe(303);
    expect((await alice.get('/reports')).status).toBe(200);

    // The intranet too slow: Gatehouse answers 504 itself. The intranet's own 502 is not Gatehouse's error.
    expect((await bob.get('/slow?ms=3000', { accept: 'application/json' })).status).toBe(504);
    expect((await bob.get('/status/502', { accept: 'application/json' })).status).toBe(502);

    // The store fails: alice's request fails closed.
    s.failing.ops.add('getUser');
    expect((await alice.get('/reports')).status).toBe(503);
    s.failing.ops.clear();

    // A reload that fails (no file yet), then one that succeeds.
    expect((await reloadFromFile(s.gh.services, 'test')).ok).toBe(false);
    writeFileSync(s.config.file, YAML.stringify(deepMerge(baseConfig(s.intranet.url, s.dataDir), { log: { level: 'info', access: true }, ...OVERRIDES })));
    expect((await reloadFromFile(s.gh.services, 'test')).ok).toBe(true);

    // One WebSocket open through Gatehouse at scrape time.
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws`, { headers: { cookie: bob.cookieHeader()! } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });

    const text = await s.scrape();
    const req = (decision: string, rule: string) => sample(text, 'gatehouse_requests_total', { decision, rule });
    expect(req('anonymous', 'anonymous')).toBeGreaterThanOrEqual(1);
    expect(req('bypassed', 'bypass')).toBeGreaterThanOrEqual(4);
    expect(req('out_of_scope', 'out_of_scope')).toBeGreaterThanOrEqual(4);
    expect(req('enrolled', 'enrol')).toBe(1);
    expect(req('challenged', 'challenge')).toBe(1);
    expect(req('locked', 'locked')).toBe(1);
    expect(req('forwarded', 'session')).toBe(2);
    expect(req('unavailable', 'fail_closed')).toBe(1);
    expect(req('own', 'gatehouse')).toBeGreaterThanOrEqual(8);

    const sf = (outcome: string) => sample(text, 'gatehouse_second_factor_total', { outcome });
    expect(sf('enrolled')).toBe(1);
    expect(sf('failed')).toBe(3);
    expect(sf('recovery_used')).toBe(1);
    expect(sf('verified')).toBe(1);
    expect(sf('skipped')).toBe(0);
    expect(sample(text, 'gatehouse_lockouts_total')).toBe(1);

    expect(sample(text, 'gatehouse_upstream_errors_total', { code: '504' })).toBe(1);
    expect(sample(text, 'gatehouse_upstream_errors_total', { code: '502' })).toBe(0);
    expect(sample(text, 'gatehouse_upstream_duration_seconds_count')).toBeGreaterThanOrEqual(10);
    expect(sample(text, 'gatehouse_upstream_duration_seconds_bucket', { le: '+Inf' })).toBe(sample(text, 'gatehouse_upstream_duration_seconds_count'));
    // The 504 waited for upstream.timeout (1 s).
    expect(sample(text, 'gatehouse_upstream_duration_seconds_sum')).toBeGreaterThanOrEqual(1);

    expect(sample(text, 'gatehouse_identity_lookups_total')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'gatehouse_identity_cache_hits_total')).toBeGreaterThanOrEqual(1);

    expect(sample(text, 'gatehouse_store_duration_seconds_count', { op: 'getUser' })).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'gatehouse_store_errors_total', { op: 'getUser' })).toBe(1);
    expect(sample(text, 'gatehouse_store_errors_total', { op: 'enrol' })).toBeNaN();

    expect(sample(text, 'gatehouse_reloads_total', { result: 'failed' })).toBe(1);
    expect(sample(text, 'gatehouse_reloads_total', { result: 'ok' })).toBe(1);
    expect(sample(text, 'gatehouse_policy_version')).toBe(2);
    expect(sample(text, 'gatehouse_audit_events_total', { type: 'locked' })).toBe(1);

    expect(sample(text, 'gatehouse_websockets_active')).toBe(1);
    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.close();
    await closed;
    // The server sees the close a moment after the client: scrape until it has (bounded).
    let active = sample(await s.scrape(), 'gatehouse_websockets_active');
    for (let n = 0; n < 100 && active !== 0; n++) active = sample(await s.scrape(), 'gatehouse_websockets_active');
    expect(active).toBe(0);
  });
});

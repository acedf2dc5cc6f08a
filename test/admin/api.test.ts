import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { Browser, pathOf } from '../helpers/client.js';
import { browserFor, enrol, verify } from '../helpers/flows.js';
import { startFileStack, type FileStack } from '../helpers/file-stack.js';
import { P } from './helpers.js';

let stack: FileStack;
afterEach(async () => stack?.close());

const TOKEN = 'offboarding-0123456789abcdef-0123456789';
const OTHER = 'reporting-0123456789abcdef-0123456789ab';

async function start() {
  stack = await startFileStack({ config: { api: { tokens: [{ name: 'offboarding', token: TOKEN }, { name: 'reporting', token: OTHER }] } } });
  return stack;
}

async function api(method: string, path: string, opts: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  const token = opts.token === undefined ? TOKEN : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const body = opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await new Browser(stack.url).send(method, `${P}/api${path}`, { headers, ...(body !== undefined ? { body } : {}) });
  return { ...res, json: res.body ? (JSON.parse(res.body) as Record<string, any>) : null };
}

describe('the JSON API', () => {
  it('should refuse calls without a valid token with 401, and audit every call without ever storing the token', async () => {
    await start();
    for (const token of [null, 'wrong-token-0123456789abcdef-0123456789', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const res = await api('GET', '/users', { token });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
      expect(res.json).toMatchObject({ error: 'GH_ERR_UNAUTHORIZED_API' });
    }
    expect((await api('POST', '/users/alice/reset', { token: null })).status).toBe(401);
    expect((await api('GET', '/nothing-here', { token: null })).status).toBe(401);
    expect((await api('GET', '/users', { headers: { authorization: `Basic ${TOKEN}` }, token: null })).status).toBe(401);

    expect((await api('GET', '/users')).status).toBe(200);
    expect((await api('GET', '/users', { token: OTHER })).status).toBe(200);
    expect((await api('GET', '/users', { token: null, headers: { authorization: `bearer ${TOKEN}` } })).status).toBe(200);

    const calls = await stack.store.listAudit({ type: 'api_call', limit: 100 });
    expect(calls).toHaveLength(10);
    expect(calls.filter((c) => c.actor === 'api:(no valid token)')).toHaveLength(7);
    expect(calls.filter((c) => c.actor === 'api:offboarding')).toHaveLength(2);
    expect(calls[0]).toMatchObject({ actor: 'api:offboarding', ip: '127.0.0.1', detail: { method: 'GET', route: `${P}/api/users`, status: 200 } });
    const everything = JSON.stringify(await stack.store.listAudit({ limit: 1000 }));
    expect(everything).not.toContain(TOKEN.slice(0, 20));
    expect(everything).not.toContain(OTHER.slice(0, 20));
  });

  it('should list, show, reset and unlock users', async () => {
    await start();
    const alice = browserFor(stack);
    await alice.login('alice');
    const { key } = await enrol(stack, alice);
    await verify(stack, alice, key, { remember: true });
    await alice.get('/logout');
    await alice.login('alice');
    expect((await alice.get('/reports')).status).toBe(200);
    for (const u of ['bob', 'carol']) await stack.store.touchUser(u, { at: stack.clock.t, ip: '10.0.0.9', groups: ['staff'] });

    const all = await api('GET', '/users?limit=2');
    expect(all.json).toMatchObject({ total: 3, offset: 0, limit: 2 });
    expect(all.json!.users.map((u: { user: string }) => u.user)).toEqual(['alice', 'bob']);
    expect((await api('GET', '/users?offset=2')).json!.users.map((u: { user: string }) => u.user)).toEqual(['carol']);
    expect((await api('GET', '/users?search=AR')).json!.users.map((u: { user: string }) => u.user)).toEqual(['carol']);
    expect((await api('GET', '/users?status=enrolled')).json!.users.map((u: { user: string }) => u.user)).toEqual(['alice']);
    expect((await api('GET', '/users?status=bogus')).status).toBe(400);

    const shown = await api('GET', '/users/alice');
    expect(shown.json).toMatchObject({ user: 'alice', status: 'enrolled', inScope: true, groups: ['finance', 'staff'], recoveryCodesLeft: 10, lastSeenIp: '127.0.0.1' });
    expect(JSON.stringify(shown.json)).not.toMatch(/sealed|secret/i);
    expect((await api('GET', '/users/bob')).json).toMatchObject({ status: 'out_of_scope', inScope: false });
    expect((await api('GET', '/users/nobody')).status).toBe(404);

    const reset = await api('POST', '/users/alice/reset');
    expect(reset.status).toBe(200);
    expect(reset.json).toMatchObject({ user: 'alice', reset: true, known: true });
    expect(pathOf((await alice.get('/reports')).location)).toBe('/_gatehouse/enrol?rd=%2Freports');
    expect(await stack.store.listAudit({ type: 'reset', limit: 5 })).toMatchObject([{ user: 'alice', actor: 'api:offboarding', ip: '127.0.0.1' }]);
    // Offboarding someone Gatehouse never saw is not an error.
    expect((await api('POST', '/users/ghost/reset')).json).toMatchObject({ reset: true, known: false });

    for (let i = 0; i < 5; i++) await stack.store.recordFailure('user:bob', stack.clock.t, { windowMs: 300_000, maxFailures: 5, durationMs: 900_000 });
    expect((await api('GET', '/users/bob')).json).toMatchObject({ status: 'locked' });
    expect((await api('POST', '/users/bob/unlock')).json).toEqual({ user: 'bob', unlocked: true });
    expect((await api('GET', '/users/bob')).json).toMatchObject({ status: 'out_of_scope', lockedUntil: null });
    expect(await stack.store.listAudit({ type: 'unlocked', limit: 5 })).toMatchObject([{ user: 'bob', actor: 'api:offboarding' }]);
  });

  it('should get the policy and put changes with a version check', async () => {
    await start();
    const bob = browserFor(stack);
    await bob.login('bob');
    expect((await bob.get('/reports')).status).toBe(200);

    const got = await api('GET', '/policy');
    expect(got.status).toBe(200);
    expect(got.headers.etag).toBe(`"${got.json!.version}"`);
    expect(got.json!.policy.twoFactor).toMatchObject({ enabledFor: { users: ['alice', 'admin'] }, lockout: { window: '5m' }, skip: { gracePeriod: null } });

    expect((await api('PUT', '/policy', { body: { twoFactor: { enabledFor: { users: ['alice', 'admin', 'bob'] } } } })).status).toBe(428);
    const put = await api('PUT', '/policy', {
      body: { twoFactor: { enabledFor: { users: ['alice', 'admin', 'bob'] }, lockout: { window: '300s' } } },
      headers: { 'if-match': got.headers.etag as string },
    });
    expect(put.status).toBe(200);
    // 300s is 5m: not a change.
    expect(put.json!.changes).toEqual([{ path: 'twoFactor.enabledFor.users', old: ['alice', 'admin'], new: ['alice', 'admin', 'bob'] }]);
    expect(pathOf((await bob.get('/reports')).location)).toBe('/_gatehouse/enrol?rd=%2Freports');
    expect(YAML.parse(readFileSync(stack.file, 'utf8')).twoFactor.enabledFor.users).toEqual(['alice', 'admin', 'bob']);
    const [changed] = await stack.store.listAudit({ type: 'policy_changed', limit: 5 });
    expect(changed).toMatchObject({ actor: 'api:offboarding', detail: { changes: put.json!.changes } });

    // The old version is stale now.
    const stale = await api('PUT', '/policy', { body: { version: got.json!.version, twoFactor: { enforce: false } } });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({ error: 'GH_ERR_CONFLICT', version: put.json!.version });

    const invalid = await api('PUT', '/policy', { body: { version: put.json!.version, twoFactor: { trustedIps: ['10.0.0.300'], enforc: false } } });
    expect(invalid.status).toBe(422);
    expect(invalid.json!.problems).toEqual([
      { path: 'twoFactor.trustedIps[0]', message: expect.stringContaining("'10.0.0.300' is not an IP address or CIDR range") },
      { path: 'twoFactor.enforc', message: "unknown key; did you mean 'enforce'?" },
    ]);
    expect((await api('PUT', '/policy', { body: { version: put.json!.version, server: { prefix: '/x' } } })).status).toBe(422);
    expect((await api('PUT', '/policy', { body: [1, 2], headers: { 'if-match': put.json!.version } })).status).toBe(400);
    const malformed = await api('PUT', '/policy', { raw: '{"twoFactor": ', headers: { 'if-match': put.json!.version } });
    expect(malformed.status).toBe(400);
    expect(malformed.json!.message).toContain('not valid JSON');
    expect(YAML.parse(readFileSync(stack.file, 'utf8')).twoFactor.trustedIps).toBeUndefined();
  });

  it('should take a policy with 10,000 trusted networks in one PUT, and refuse a body over 2 MB with 413', async () => {
    await start();
    const alice = browserFor(stack);
    await alice.login('alice');
    expect(pathOf((await alice.get('/reports')).location)).toBe('/_gatehouse/enrol?rd=%2Freports');
    // 9,999 networks, then the one this test's client (loopback) is in.
    const networks = [...Array.from({ length: 9_999 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`), '127.0.0.0/8'];
    const body = { twoFactor: { trustedIps: networks } };
    expect(JSON.stringify(body).length).toBeGreaterThan(64 * 1024);
    const got = await api('GET', '/policy');
    const put = await api('PUT', '/policy', { body, headers: { 'if-match': got.headers.etag as string } });
    expect(put.status).toBe(200);
    expect(YAML.parse(readFileSync(stack.file, 'utf8')).twoFactor.trustedIps).toHaveLength(10_000);
    // In force at once: alice, not enrolled, comes from the last of those networks and needs no second factor.
    expect((await alice.get('/reports')).status).toBe(200);

    const huge = await api('PUT', '/policy', { raw: JSON.stringify({ version: put.json!.version, pages: { title: 'x'.repeat(2 * 1024 * 1024) } }) });
    expect(huge.status).toBe(413);
    expect(huge.json).toMatchObject({ error: 'GH_ERR_TOO_LARGE' });
  });

  it('should reload, and report a refused reload with the precise messages', async () => {
    await start();
    const text = readFileSync(stack.file, 'utf8');
    writeFileSync(stack.file, text.replace('enforce: true', 'enforce: false'));
    const ok = await api('POST', '/reload');
    expect(ok.json).toMatchObject({ ok: true, version: 2, messages: ['applied: twoFactor'] });
    expect(stack.gh.runtime.live.config.twoFactor.enforce).toBe(false);

    writeFileSync(stack.file, text.replace('enforce: true', 'enforce: [oops'));
    const refused = await api('POST', '/reload');
    expect(refused.status).toBe(422);
    expect(refused.json).toMatchObject({ ok: false, version: 2 });
    expect(refused.json!.messages[0]).toMatch(/gatehouse\.yaml:\d+:\d+: YAML syntax error/);
    expect(stack.gh.runtime.live.config.twoFactor.enforce).toBe(false);
    expect(await stack.store.listAudit({ type: 'reload_failed', limit: 5 })).toMatchObject([{ actor: 'api:offboarding' }]);
  });

  it('should answer unknown API paths with JSON 404 and never forward them', async () => {
    await start();
    const before = stack.intranet.stats.requests;
    const res = await api('GET', '/users/alice/secret/extra');
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ error: 'GH_ERR_NOT_FOUND' });
    expect(stack.intranet.stats.requests).toBe(before);
  });
});

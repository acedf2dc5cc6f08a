import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { Browser, inputValue, pathOf, type Res } from '../helpers/client.js';
import { totp } from '../helpers/flows.js';
import { REDACTED } from '../../src/ops/index.js';
import { startOpsStack, type OpsStack } from './helpers.js';

let stack: OpsStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** A browser that remembers every cookie value it was ever given. */
class RecordingBrowser extends Browser {
  readonly cookieValues = new Set<string>();
  override async send(...args: Parameters<Browser['send']>): Promise<Res> {
    const res = await super.send(...args);
    for (const v of this.jar.values()) this.cookieValues.add(v);
    return res;
  }
}

/** Matches a numeric code only as a whole number, so it is not "found" inside a timestamp. */
const asNumber = (code: string) => new RegExp(`(?<![0-9])${code}(?![0-9])`);

describe('logs', () => {
  it('should never write a TOTP secret, code, recovery code, cookie, password or token, even at trace level', async () => {
    const apiToken = randomBytes(24).toString('base64url');
    stack = await startOpsStack({ level: 'trace', config: { api: { tokens: [{ name: 'ci', token: apiToken }] } } });
    const s = stack;
    const secrets: string[] = [apiToken, 'alice-pw', 'bob-pw'];
    const codes: string[] = [];

    const b = new RecordingBrowser(s.url);
    await b.login('alice');
    expect(pathOf((await b.get('/reports')).location)).toMatch(/^\/_gatehouse\/enrol/);

    // Enrolment: the secret on the page, the first code, the recovery codes.
    const page = await b.get('/_gatehouse/enrol?rd=%2Freports');
    const manualKey = inputValue(page.body, 'manual-key')!;
    const key = manualKey.replace(/\s+/g, '');
    const csrf = inputValue(page.body, 'csrf')!;
    secrets.push(key, manualKey, csrf);
    const first = totp(s, key);
    codes.push(first);
    const done = await b.post('/_gatehouse/enrol', { csrf, rd: '/reports', code: first });
    expect(done.status).toBe(200);
    const recovery = [...done.body.matchAll(/<li>([a-z0-9-]+)<\/li>/g)].map((m) => m[1]!);
    expect(recovery).toHaveLength(10);
    secrets.push(...recovery);
    s.clock.advance(30_000);
    expect((await b.get('/reports')).status).toBe(200);

    // A new login: a wrong code, a right one, a recovery code.
    await b.get('/logout');
    await b.login('alice');
    const ch = await b.get('/_gatehouse/challenge?rd=%2Freports');
    const csrf2 = inputValue(ch.body, 'csrf')!;
    secrets.push(csrf2);
    const wrong = totp(s, key, 57);
    codes.push(wrong);
    expect((await b.post('/_gatehouse/challenge', { csrf: csrf2, rd: '/reports', code: wrong })).status).toBe(401);
    const right = totp(s, key);
    codes.push(right);
    expect((await b.post('/_gatehouse/challenge', { csrf: csrf2, rd: '/reports', code: right, remember: '1' })).status).toBe(303);
    s.clock.advance(30_000);
    expect((await b.post('/_gatehouse/recovery', { csrf: csrf2, rd: '/reports', code: recovery[3]! })).status).toBe(303);
    expect((await b.get('/reports?token=query-secret-abc123')).status).toBe(200);
    secrets.push('query-secret-abc123');

    // The JSON API with a bearer token (and a wrong one), HTTP Basic to the intranet.
    const api = await request(`${s.url}/_gatehouse/api/users/alice`, { headers: { authorization: `Bearer ${apiToken}`, 'x-gatehouse-token': apiToken } });
    expect(api.statusCode).toBe(200);
    await api.body.dump();
    const refused = await request(`${s.url}/_gatehouse/api/users`, { headers: { authorization: `Bearer ${apiToken}x` } });
    expect(refused.statusCode).toBe(401);
    await refused.body.dump();
    secrets.push(`${apiToken}x`);
    const basic = Buffer.from('bob:bob-pw').toString('base64');
    secrets.push(basic);
    const viaBasic = await request(`${s.url}/reports`, { headers: { authorization: `Basic ${basic}` } });
    expect(viaBasic.statusCode).toBe(200);
    await viaBasic.body.dump();

    for (const v of b.cookieValues) secrets.push(v);
    expect(b.cookieValues.size).toBeGreaterThanOrEqual(3);

    const log = s.log();
    const records = s.records();
    // The capture really holds the session: access lines and audit events.
    expect(records.filter((r) => r.msg === 'access').length).toBeGreaterThanOrEqual(12);
    expect(records.some((r) => r.msg === 'audit enrolled')).toBe(true);
    expect(records.some((r) => r.msg === 'audit recovery_used')).toBe(true);

    for (const secret of secrets) expect(log, `log contains ${secret.slice(0, 6)}…`).not.toContain(secret);
    for (const code of codes) expect(log).not.toMatch(asNumber(code));
  });

  it('should redact credentials by pino configuration wherever a log call puts them', async () => {
    stack = await startOpsStack();
    const log = stack.gh.app.log;
    log.info({ req: { headers: { cookie: 'sid=COOKIE1', authorization: 'Bearer TOKEN1' } }, res: { headers: { 'set-cookie': ['gh_s=COOKIE2'] } } }, 'headers');
    log.info({ headers: { cookie: 'sid=COOKIE3', authorization: 'Basic BASIC1', 'x-gatehouse-token': 'TOKEN2' } }, 'bare headers');
    log.info({ body: { code: '918273', codes: ['abcd-efgh'], csrf: 'CSRF1', password: 'PASS1' } }, 'form');
    log.info({ code: '827364', secret: 'SECRET1', token: 'TOKEN3', password: 'PASS2', cookie: 'COOKIE4' }, 'top level');
    log.info({ state: { sealedSecret: 'SEALED1' }, config: { secrets: { cookieKeys: ['KEY1'] }, api: { tokens: [{ token: 'TOKEN4' }] } } }, 'objects');
    log.warn({ err: { message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' } }, 'upstream error');

    const out = stack.log();
    for (const leaked of ['COOKIE1', 'TOKEN1', 'COOKIE2', 'COOKIE3', 'BASIC1', 'TOKEN2', '918273', 'abcd-efgh', 'CSRF1', 'PASS1', '827364', 'SECRET1', 'TOKEN3', 'PASS2', 'COOKIE4', 'SEALED1', 'KEY1', 'TOKEN4']) {
      expect(out).not.toContain(leaked);
    }
    // Censored in place (Fastify's req/res serializers already drop headers altogether).
    for (const field of ['cookie', 'authorization', 'x-gatehouse-token', 'code', 'codes', 'csrf', 'password', 'secret', 'token', 'sealedSecret', 'secrets', 'tokens']) {
      expect(out).toContain(`"${field}":"${REDACTED}"`);
    }
    // Error codes are what operators grep for: not mistaken for TOTP codes.
    expect(out).toContain('"code":"ECONNREFUSED"');
  });

  it('should write one access line per request with the fields operators expect and a request id', async () => {
    stack = await startOpsStack();
    const b = new Browser(stack.url);
    await b.login('bob');
    await b.get('/reports?tab=secret-query');
    await b.get('/_gatehouse/healthz');
    const access = stack.records().filter((r) => r.msg === 'access');
    expect(access).toHaveLength(3);
    const line = access[1]!;
    expect(line).toMatchObject({ level: 30, method: 'GET', path: '/reports', status: 200, user: 'bob', ip: '127.0.0.1', decision: 'out_of_scope', rule: 'out_of_scope' });
    expect(typeof line.durationMs).toBe('number');
    expect(typeof line.time).toBe('string');
    expect(line.reqId).toMatch(/^[0-9a-f]{6}-[0-9a-z]+$/);
    expect(access[0]).toMatchObject({ method: 'POST', path: '/login', decision: 'bypassed', rule: 'bypass' });
    expect(access[2]).toMatchObject({ path: '/_gatehouse/healthz', decision: 'own', rule: 'gatehouse' });
    expect(new Set(access.map((r) => r.reqId)).size).toBe(3);
    expect(stack.log()).not.toContain('secret-query');
  });

  it('should take X-Request-Id from a trusted proxy only', async () => {
    stack = await startOpsStack();
    await (await request(`${stack.url}/_gatehouse/healthz`, { headers: { 'x-request-id': 'from-a-stranger' } })).body.dump();
    expect(stack.records().find((r) => r.msg === 'access')!.reqId).not.toBe('from-a-stranger');
    await stack.close();

    stack = await startOpsStack({ config: { network: { trustedProxies: ['127.0.0.1'] } } });
    await (await request(`${stack.url}/_gatehouse/healthz`, { headers: { 'x-request-id': 'lb-7f3a9c' } })).body.dump();
    await (await request(`${stack.url}/_gatehouse/healthz`, { headers: { 'x-request-id': 'bad id with "quotes"' } })).body.dump();
    const ids = stack.records().filter((r) => r.msg === 'access').map((r) => r.reqId);
    expect(ids[0]).toBe('lb-7f3a9c');
    expect(ids[1]).not.toContain('quotes');
  });
});

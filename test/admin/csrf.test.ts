import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { lastReload } from '../../src/server/reload.js';
import { verify } from '../helpers/flows.js';
import { startFileStack, type FileStack } from '../helpers/file-stack.js';
import { formFields, open, P, signedIn } from './helpers.js';

let stack: FileStack;
afterEach(async () => stack?.close());

const PAGES = ['/admin', '/admin/settings', '/admin/trusted-ips', '/admin/users', '/admin/users/reset?user=alice', '/admin/rollout', '/admin/audit', '/admin/tester'];

describe('CSRF on every console form', () => {
  it('should put the token in every console form and refuse each without it, with a wrong one, or with one from another login', async () => {
    stack = await startFileStack();
    await stack.store.touchUser('alice', { at: stack.clock.t, ip: '10.0.0.1', groups: ['finance'] });
    const lockout = { windowMs: 300_000, maxFailures: 5, durationMs: 900_000 };
    for (let i = 0; i < 5; i++) await stack.store.recordFailure('user:alice', stack.clock.t, lockout);
    const { b, key } = await signedIn(stack);

    // Every form the console shows (alice is locked, so Unlock shows too), with the fields the browser would send.
    const forms = new Map<string, Record<string, string>>();
    let oldToken = '';
    for (const path of PAGES) {
      const { res, csrf } = await open(b, path);
      oldToken = csrf;
      for (const m of res.body.matchAll(/<form method="post" action="([^"]+)"/g)) {
        if (!forms.has(m[1]!)) forms.set(m[1]!, formFields(res.body, m[1]!));
      }
    }
    expect([...forms.keys()].sort()).toEqual(
      ['reload', 'scope', 'settings', 'tester', 'trusted-ips', 'users/reset', 'users/unlock'].map((a) => `${P}/admin/${a}`),
    );
    for (const f of forms.values()) expect(f.csrf).toBe(oldToken);

    // A new intranet login with a fresh code: the old pages' token was bound to the old login.
    await b.get('/logout');
    await b.login('admin');
    await verify(stack, b, key);
    const before = readFileSync(stack.file, 'utf8');
    const aliceBefore = await stack.store.getUser('alice');
    for (const [action, fields] of forms) {
      const { csrf: _old, ...rest } = fields;
      const payload = { ...rest, entry: '10.9.0.0/16', names: 'carol', rememberEnabled: 'false' };
      for (const token of [undefined, 'A'.repeat(43), oldToken]) {
        const res = await b.post(action, token === undefined ? payload : { ...payload, csrf: token });
        expect(res.status, `${action} with ${token === oldToken ? 'the old login\'s token' : 'no or a wrong token'}`).toBe(403);
      }
    }
    expect(readFileSync(stack.file, 'utf8')).toBe(before);
    expect(await stack.store.getUser('alice')).toEqual(aliceBefore);
    expect(lastReload(stack.gh.services)).toBeNull();
    expect(stack.gh.runtime.live.version).toBe(1);
  });

  it('should refuse the same posts with 403 from a verified admin whose form lost its token', async () => {
    stack = await startFileStack();
    await stack.store.touchUser('alice', { at: stack.clock.t, ip: '10.0.0.1', groups: [] });
    const { b } = await signedIn(stack);
    const before = readFileSync(stack.file, 'utf8');
    const posts: [string, Record<string, string>][] = [
      ['/admin/scope', { op: 'everyone', everyone: 'true' }],
      ['/admin/settings', { enforce: 'false' }],
      ['/admin/trusted-ips', { op: 'add', entry: '10.9.0.0/16' }],
      ['/admin/users/reset', { user: 'alice' }],
      ['/admin/users/unlock', { user: 'alice' }],
      ['/admin/tester', { user: 'alice' }],
      ['/admin/reload', { back: 'scope' }],
    ];
    const version = (await open(b, '/admin')).version;
    for (const [path, fields] of posts) {
      for (const csrf of [undefined, 'A'.repeat(43), '']) {
        const res = await b.post(`${P}${path}`, { ...fields, version, ...(csrf === undefined ? {} : { csrf }) });
        expect(res.status, `${path} csrf=${String(csrf)}`).toBe(403);
        expect(res.body).toContain('This form expired.');
      }
    }
    expect(readFileSync(stack.file, 'utf8')).toBe(before);
    expect((await stack.store.getUser('alice'))?.generation).toBe(1);
    expect(await stack.store.listAudit({ type: 'reset', limit: 5 })).toHaveLength(0);
    expect(lastReload(stack.gh.services)).toBeNull();
  });
});

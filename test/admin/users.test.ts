import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../src/cli/commands.js';
import { pathOf } from '../helpers/client.js';
import { browserFor, enrol, verify } from '../helpers/flows.js';
import { startFileStack, type FileStack } from '../helpers/file-stack.js';
import { formFields, open, P, signedIn, textOf } from './helpers.js';

let stack: FileStack;
afterEach(async () => {
  vi.restoreAllMocks();
  await stack?.close();
});

const DAY = 86_400_000;
const name = (i: number) => `user${String(i).padStart(3, '0')}`;

/** alice enrolled, verified with "remember this device", then logged in again: the device lets her through. */
async function aliceRemembered(s: FileStack) {
  const alice = browserFor(s);
  await alice.login('alice');
  const { key } = await enrol(s, alice);
  await verify(s, alice, key, { remember: true });
  await alice.get('/logout');
  await alice.login('alice');
  expect((await alice.get('/reports')).status).toBe(200);
  return alice;
}

describe('the Users tab', () => {
  it('should page through users and search them by name', async () => {
    stack = await startFileStack();
    for (let i = 0; i < 120; i++) await stack.store.touchUser(name(i), { at: stack.clock.t, ip: '10.0.0.1', groups: ['staff'] });
    const { b } = await signedIn(stack);
    let page = await open(b, '/admin/users');
    expect(textOf(page.res.body)).toContain('Showing 1–50 of 121.');
    expect(page.res.body).toContain('data-user="admin"');
    expect(page.res.body).toContain('data-user="user048"');
    expect(page.res.body).not.toContain('data-user="user049"');
    expect(page.res.body).toContain(`href="${P}/admin/users?page=1" rel="next"`);
    page = await open(b, '/admin/users?page=2');
    expect(textOf(page.res.body)).toContain('Showing 101–121 of 121.');
    expect(page.res.body).toContain('rel="prev"');
    expect(page.res.body).not.toContain('rel="next"');

    page = await open(b, '/admin/users?q=USER01');
    expect(textOf(page.res.body)).toContain('Showing 1–10 of 10.');
    expect([...page.res.body.matchAll(/data-user="([^"]+)"/g)].map((m) => m[1])).toEqual(Array.from({ length: 10 }, (_, i) => name(10 + i)));

    page = await open(b, '/admin/users?status=enrolled');
    expect([...page.res.body.matchAll(/data-user="([^"]+)"/g)].map((m) => m[1])).toEqual(['admin']);
    expect((await open(b, '/admin/users?q=nobody-like-this')).res.body).toContain('No users found.');
  });

  it('should show each user\'s status: enrolled, skipped until, not yet set up, locked, out of scope', async () => {
    stack = await startFileStack({ config: { twoFactor: { enforce: false, skip: { gracePeriod: '14d' } } } });
    const t = stack.clock.t;
    await stack.store.touchUser('fin-skipped', { at: t, ip: '10.0.0.2', groups: ['finance'], prompted: true });
    await stack.store.setSkipped('fin-skipped', t);
    await stack.store.touchUser('fin-new', { at: t, ip: '10.0.0.3', groups: ['finance'] });
    await stack.store.touchUser('staff-only', { at: t, ip: '10.0.0.4', groups: ['staff'] });
    await stack.store.touchUser('fin-locked', { at: t, ip: '10.0.0.5', groups: ['finance'] });
    for (let i = 0; i < 5; i++) await stack.store.recordFailure('user:fin-locked', t, { windowMs: 300_000, maxFailures: 5, durationMs: 900_000 });
    const { b } = await signedIn(stack);
    const { res } = await open(b, '/admin/users');
    const status = (user: string) => new RegExp(`data-user="${user}">[\\s\\S]*?data-status="([^"]+)">([^<]*)<`).exec(res.body)?.slice(1);
    expect(status('admin')).toEqual(['enrolled', 'Enrolled']);
    expect(status('fin-skipped')).toEqual(['skipped', `Skipped until ${new Date(t + 14 * DAY).toISOString().slice(0, 10)}`]);
    expect(status('fin-new')).toEqual(['not_set_up', 'Not yet set up']);
    expect(status('fin-locked')).toEqual(['locked', 'Locked until 2026-12-04 12:15 UTC']);
    expect(status('staff-only')).toEqual(['out_of_scope', 'Out of scope']);
    expect(textOf(res.body)).toContain('in scope via group finance');
  });

  it('should reset a user after a confirmation: remembered devices and open sessions end, the next request goes to enrolment', async () => {
    stack = await startFileStack();
    const alice = await aliceRemembered(stack);
    const { b } = await signedIn(stack);
    const list = await open(b, '/admin/users?q=alice');
    expect(list.res.body).toContain(`href="${P}/admin/users/reset?user=alice"`);
    const confirm = await open(b, '/admin/users/reset?user=alice');
    expect(textOf(confirm.res.body)).toContain('Reset two-factor for alice?');
    expect(textOf(confirm.res.body)).toContain('ends their remembered devices and open two-factor sessions everywhere');
    const done = await b.post(`${P}/admin/users/reset`, formFields(confirm.res.body, `${P}/admin/users/reset`));
    expect(done.status).toBe(303);
    expect(pathOf(done.location)).toBe(`${P}/admin/users?q=alice&done=reset`);
    const after = await open(b, pathOf(done.location).slice(P.length));
    expect(textOf(after.res.body)).toContain('alice was reset: they will set up two-factor again at their next visit.');
    expect(after.res.body).toContain('data-status="not_set_up"');

    const next = await alice.get('/reports');
    expect(next.status).toBe(302);
    expect(pathOf(next.location)).toBe('/_gatehouse/enrol?rd=%2Freports');
    const [event] = await stack.store.listAudit({ type: 'reset', limit: 5 });
    expect(event).toMatchObject({ user: 'alice', actor: 'admin', ip: '127.0.0.1' });
  });

  it('should end an open 2FA session on reset, not only remembered devices', async () => {
    stack = await startFileStack();
    const alice = browserFor(stack);
    await alice.login('alice');
    await enrol(stack, alice);
    expect((await alice.get('/reports')).status).toBe(200);
    const { b } = await signedIn(stack);
    const confirm = await open(b, '/admin/users/reset?user=alice');
    expect((await b.post(`${P}/admin/users/reset`, formFields(confirm.res.body, `${P}/admin/users/reset`))).status).toBe(303);
    expect(pathOf((await alice.get('/reports')).location)).toBe('/_gatehouse/enrol?rd=%2Freports');
  });

  it('should unlock a locked user', async () => {
    stack = await startFileStack();
    const alice = browserFor(stack);
    await alice.login('alice');
    const { key } = await enrol(stack, alice);
    for (let i = 0; i < 5; i++) await stack.store.recordFailure('user:alice', stack.clock.t, { windowMs: 300_000, maxFailures: 5, durationMs: 900_000 });
    await alice.get('/logout');
    await alice.login('alice');
    expect(pathOf((await alice.get('/reports')).location)).toBe('/_gatehouse/locked?rd=%2Freports');

    const { b } = await signedIn(stack);
    const list = await open(b, '/admin/users?q=alice');
    const res = await b.post(`${P}/admin/users/unlock`, formFields(list.res.body, `${P}/admin/users/unlock`));
    expect(res.status).toBe(303);
    expect(textOf((await open(b, pathOf(res.location).slice(P.length))).res.body)).toContain('alice was unlocked.');
    expect(pathOf((await alice.get('/reports')).location)).toBe('/_gatehouse/challenge?rd=%2Freports');
    expect((await verify(stack, alice, key)).path).toBe('/reports');
    expect(await stack.store.listAudit({ type: 'unlocked', limit: 5 })).toMatchObject([{ user: 'alice', actor: 'admin' }]);
  });

  it('should let the CLI reset a user on the same store, with the same effect', async () => {
    stack = await startFileStack();
    const alice = await aliceRemembered(stack);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await runCommand('users', ['reset', 'alice'], { config: stack.file }, '')).toBe(0);
    expect(String(out.mock.calls[0]?.[0])).toContain('alice: reset');
    out.mockRestore();
    expect(pathOf((await alice.get('/reports')).location)).toBe('/_gatehouse/enrol?rd=%2Freports');
    expect(await stack.store.listAudit({ type: 'reset', limit: 5 })).toMatchObject([{ user: 'alice', actor: 'cli' }]);
  });
});

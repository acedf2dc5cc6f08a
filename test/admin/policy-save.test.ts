import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { pathOf } from '../helpers/client.js';
import { browserFor, enrol, verify } from '../helpers/flows.js';
import { startFileStack, type FileStack } from '../helpers/file-stack.js';
import { formFields, open, P, signedIn, textOf } from './helpers.js';

let stack: FileStack;
afterEach(async () => stack?.close());

const fileOf = (s: FileStack) => YAML.parse(readFileSync(s.file, 'utf8')) as Record<string, any>;

describe('saving the policy from the console', () => {
  it('Enable two-factor: adding a user puts them in scope at their next request, and the change is audited', async () => {
    stack = await startFileStack();
    const bob = browserFor(stack);
    await bob.login('bob');
    expect((await bob.get('/reports')).status).toBe(200);

    const { b } = await signedIn(stack);
    const page = await open(b, '/admin');
    const form = formFields(page.res.body, `${P}/admin/scope`, 'id="add-enabledFor-users"');
    const saved = await b.post(`${P}/admin/scope`, { ...form, names: 'bob, carol' });
    expect(saved.status).toBe(200);
    expect(textOf(saved.body)).toContain('Saved and applied: twoFactor.enabledFor.users');
    expect(textOf(saved.body)).toContain('twoFactor.enabledFor.users: ["alice","admin"] → ["alice","admin","bob","carol"]');

    const next = await bob.get('/reports');
    expect(next.status).toBe(302);
    expect(pathOf(next.location)).toBe('/_gatehouse/enrol?rd=%2Freports');
    expect(fileOf(stack).twoFactor.enabledFor.users).toEqual(['alice', 'admin', 'bob', 'carol']);

    const [event] = await stack.store.listAudit({ type: 'policy_changed', limit: 5 });
    expect(event).toMatchObject({ actor: 'admin', ip: '127.0.0.1' });
    expect(event!.detail.changes).toEqual([{ path: 'twoFactor.enabledFor.users', old: ['alice', 'admin'], new: ['alice', 'admin', 'bob', 'carol'] }]);
  });

  it('Enable two-factor: everyone on, then an exemption, take effect at once', async () => {
    stack = await startFileStack();
    const carol = browserFor(stack);
    await carol.login('carol');
    expect((await carol.get('/reports')).status).toBe(200);
    const { b } = await signedIn(stack);
    let page = await open(b, '/admin');
    let res = await b.post(`${P}/admin/scope`, formFields(page.res.body, `${P}/admin/scope`, 'name="everyone"'));
    expect(res.status).toBe(200);
    expect(textOf(res.body)).toContain('On: every user who signs in');
    expect(pathOf((await carol.get('/reports')).location)).toBe('/_gatehouse/enrol?rd=%2Freports');

    page = await open(b, '/admin');
    res = await b.post(`${P}/admin/scope`, { ...formFields(page.res.body, `${P}/admin/scope`, 'id="add-exempt-groups"'), names: 'contractors' });
    expect(res.status).toBe(200);
    expect((await carol.get('/reports')).status).toBe(200);
    expect(fileOf(stack).twoFactor.exempt.groups).toEqual(['contractors']);
  });

  it('Settings: turning off remembered devices asks a remembered user for a code again', async () => {
    stack = await startFileStack();
    const alice = browserFor(stack);
    await alice.login('alice');
    const { key } = await enrol(stack, alice);
    await verify(stack, alice, key, { remember: true });
    await alice.get('/logout');
    await alice.login('alice');
    expect((await alice.get('/reports')).status).toBe(200);

    const { b } = await signedIn(stack);
    const page = await open(b, '/admin/settings');
    const form = formFields(page.res.body, `${P}/admin/settings`);
    expect(form).toMatchObject({ enforce: 'true', rememberEnabled: 'true', rememberDays: '30', lockoutWindow: '5m', gracePeriod: '' });
    const res = await b.post(`${P}/admin/settings`, { ...form, rememberEnabled: 'false' });
    expect(res.status).toBe(200);
    expect(textOf(res.body)).toContain('twoFactor.rememberDevices.enabled: true → false');

    const again = await alice.get('/reports');
    expect(pathOf(again.location)).toBe('/_gatehouse/challenge?rd=%2Freports');
    // Only what changed was written: the defaults the form showed stay out of the file.
    expect(fileOf(stack).twoFactor.rememberDevices).toEqual({ enabled: false, days: 30 });
    expect(fileOf(stack).twoFactor.lockout).toBeUndefined();
  });

  it('Settings: enforce off lets users skip set-up; page texts show on the pages', async () => {
    stack = await startFileStack();
    const alice = browserFor(stack);
    await alice.login('alice');
    const before = await alice.get('/_gatehouse/enrol?rd=/reports');
    expect(before.body).not.toContain('Skip for now');

    const { b } = await signedIn(stack);
    const page = await open(b, '/admin/settings');
    const form = formFields(page.res.body, `${P}/admin/settings`);
    const res = await b.post(`${P}/admin/settings`, { ...form, enforce: 'false', gracePeriod: '14d', supportContact: 'the IT desk, ext. 4242' });
    expect(res.status).toBe(200);

    const after = await alice.get('/_gatehouse/enrol?rd=/reports');
    expect(after.body).toContain('Skip for now');
    expect(textOf(after.body)).toContain('Contact the IT desk, ext. 4242.');
    expect(fileOf(stack).twoFactor).toMatchObject({ enforce: false, skip: { gracePeriod: '14d' } });
  });

  it('Trusted IPs: adding the client network stops the code being asked; removing it brings it back', async () => {
    stack = await startFileStack();
    const alice = browserFor(stack);
    await alice.login('alice');
    await enrol(stack, alice);
    await alice.get('/logout');
    await alice.login('alice');
    expect(pathOf((await alice.get('/reports')).location)).toBe('/_gatehouse/challenge?rd=%2Freports');

    const { b } = await signedIn(stack);
    let page = await open(b, '/admin/trusted-ips');
    expect(textOf(page.res.body)).toContain('Your address is 127.0.0.1. It is not trusted.');
    const added = await b.post(`${P}/admin/trusted-ips`, { ...formFields(page.res.body, `${P}/admin/trusted-ips`, 'value="add"'), entry: '127.0.0.0/8' });
    expect(added.status).toBe(200);
    expect(textOf(added.body)).toContain('It is trusted (by 127.0.0.0/8).');
    expect((await alice.get('/reports')).status).toBe(200);

    page = await open(b, '/admin/trusted-ips');
    const removed = await b.post(`${P}/admin/trusted-ips`, formFields(page.res.body, `${P}/admin/trusted-ips`, 'value="remove"'));
    expect(removed.status).toBe(200);
    expect(pathOf((await alice.get('/reports')).location)).toBe('/_gatehouse/challenge?rd=%2Freports');
    expect(fileOf(stack).twoFactor.trustedIps).toEqual([]);
  });

  it('should show invalid input on the form with the precise message and write nothing', async () => {
    stack = await startFileStack();
    const original = readFileSync(stack.file, 'utf8');
    const { b } = await signedIn(stack);
    const page = await open(b, '/admin/trusted-ips');
    const res = await b.post(`${P}/admin/trusted-ips`, { ...formFields(page.res.body, `${P}/admin/trusted-ips`, 'value="add"'), entry: '10.0.0.300' });
    expect(res.status).toBe(422);
    const text = textOf(res.body);
    expect(text).toContain('Not saved: nothing was written and the running policy stays in force.');
    expect(text).toContain("twoFactor.trustedIps[0]: '10.0.0.300' is not an IP address or CIDR range");
    // What was typed stays in the field, to be corrected.
    expect(formFields(res.body, `${P}/admin/trusted-ips`, 'value="add"').entry).toBe('10.0.0.300');
    expect(readFileSync(stack.file, 'utf8')).toBe(original);
    expect(existsSync(`${stack.file}.bak`)).toBe(false);
    expect(stack.gh.runtime.live.version).toBe(1);
    expect(await stack.store.listAudit({ type: 'policy_changed', limit: 5 })).toHaveLength(0);

    const settings = await open(b, '/admin/settings');
    const bad = await b.post(`${P}/admin/settings`, { ...formFields(settings.res.body, `${P}/admin/settings`), rememberDays: 'thirty', lockoutWindow: '5 minutes' });
    expect(bad.status).toBe(422);
    expect(textOf(bad.body)).toContain("twoFactor.lockout.window: '5 minutes' is not a duration");
    expect(textOf(bad.body)).toContain('twoFactor.rememberDevices.days');
    expect(formFields(bad.body, `${P}/admin/settings`).lockoutWindow).toBe('5 minutes');
    expect(readFileSync(stack.file, 'utf8')).toBe(original);
  });

  it('should refuse a save based on a stale version with 409 and write nothing', async () => {
    stack = await startFileStack();
    const { b } = await signedIn(stack);
    const first = await open(b, '/admin/trusted-ips');
    const second = await open(b, '/admin/trusted-ips');
    expect(second.version).toBe(first.version);
    const addForm = (html: string) => formFields(html, `${P}/admin/trusted-ips`, 'value="add"');

    expect((await b.post(`${P}/admin/trusted-ips`, { ...addForm(first.res.body), entry: '10.1.0.0/16' })).status).toBe(200);
    const afterFirst = readFileSync(stack.file, 'utf8');
    const stale = await b.post(`${P}/admin/trusted-ips`, { ...addForm(second.res.body), entry: '10.2.0.0/16' });
    expect(stale.status).toBe(409);
    expect(textOf(stale.body)).toContain('The configuration changed since you loaded this page');
    // The refused page shows the values in force, with the new version to retry from.
    expect(textOf(stale.body)).toContain('10.1.0.0/16');
    expect(readFileSync(stack.file, 'utf8')).toBe(afterFirst);
    expect(stack.gh.runtime.live.config.twoFactor.trustedIps).toEqual(['10.1.0.0/16']);
  });

  it('should let exactly one of two simultaneous saves from the same version through', async () => {
    stack = await startFileStack();
    const { b } = await signedIn(stack);
    const page = await open(b, '/admin/trusted-ips');
    const form = formFields(page.res.body, `${P}/admin/trusted-ips`, 'value="add"');
    const results = await Promise.all(['10.1.0.0/16', '10.2.0.0/16'].map((entry) => b.post(`${P}/admin/trusted-ips`, { ...form, entry })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(stack.gh.runtime.live.config.twoFactor.trustedIps).toHaveLength(1);
  });

  it('should refuse to save over a hand edit that was not reloaded yet', async () => {
    stack = await startFileStack();
    const { b } = await signedIn(stack);
    const page = await open(b, '/admin/trusted-ips');
    const edited = readFileSync(stack.file, 'utf8').replace('enforce: true', 'enforce: false');
    writeFileSync(stack.file, edited);
    const res = await b.post(`${P}/admin/trusted-ips`, { ...formFields(page.res.body, `${P}/admin/trusted-ips`, 'value="add"'), entry: '10.1.0.0/16' });
    expect(res.status).toBe(409);
    // Rendered again with the current file's version, but the hand edit still blocks until reloaded.
    const retry = await b.post(`${P}/admin/trusted-ips`, { ...formFields(res.body, `${P}/admin/trusted-ips`, 'value="add"'), entry: '10.1.0.0/16' });
    expect(retry.status).toBe(409);
    expect(textOf(retry.body)).toContain('reload the configuration first');
    expect(readFileSync(stack.file, 'utf8')).toBe(edited);
  });
});

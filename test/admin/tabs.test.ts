import { afterEach, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/client.js';
import { startFileStack, type FileStack } from '../helpers/file-stack.js';
import { formFields, open, P, signedIn, textOf } from './helpers.js';

let stack: FileStack;
afterEach(async () => stack?.close());

const DAY = 86_400_000;
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('the read-only tabs', () => {
  it('Rollout: counts in-scope users by state and says who must set up by when', async () => {
    stack = await startFileStack({
      config: { twoFactor: { enforce: false, skip: { gracePeriod: '14d' }, enabledFor: { users: ['alice', 'admin', 'zed'], groups: ['finance'] } } },
    });
    const t = stack.clock.t;
    await stack.store.touchUser('fin-late', { at: t - 20 * DAY, ip: '10.0.0.1', groups: ['finance'], prompted: true });
    await stack.store.touchUser('fin-skipped', { at: t, ip: '10.0.0.2', groups: ['finance'], prompted: true });
    await stack.store.setSkipped('fin-skipped', t);
    await stack.store.touchUser('fin-new', { at: t, ip: '10.0.0.3', groups: ['finance'] });
    await stack.store.touchUser('staff-only', { at: t, ip: '10.0.0.4', groups: ['staff'] });
    const { b } = await signedIn(stack);
    const { res } = await open(b, '/admin/rollout');
    const stat = (id: string) => new RegExp(`id="${id}"><b>(\\d+)</b>`).exec(res.body)?.[1];
    expect([stat('in-scope'), stat('enrolled'), stat('skipped'), stat('not-set-up'), stat('never-seen')]).toEqual(['4', '1', '1', '2', '2']);
    expect(textOf(res.body)).toContain('Listed but never seen: alice, zed');
    expect(textOf(res.body)).toContain('Enforce is off: users may skip set-up for 14d after their first prompt.');
    const rows = [...res.body.matchAll(/<tr data-user="([^"]+)">([\s\S]*?)<\/tr>/g)].map((m) => [m[1], textOf(m[2]!).trim()]);
    expect(rows.map((r) => r[0])).toEqual(['fin-late', 'fin-skipped', 'fin-new']);
    expect(rows[0]![1]).toContain(date(t - 6 * DAY));
    expect(rows[1]![1]).toContain(`Skipped until ${date(t + 14 * DAY)}`);
    expect(rows[2]![1]).toContain('14d after their first prompt');
  });

  it('Audit: filters the trail by user and by type and shows what a policy change changed', async () => {
    stack = await startFileStack();
    await stack.store.touchUser('alice', { at: stack.clock.t, ip: '10.0.0.1', groups: ['finance'] });
    const { b } = await signedIn(stack);
    const confirm = await open(b, '/admin/users/reset?user=alice');
    await b.post(`${P}/admin/users/reset`, formFields(confirm.res.body, `${P}/admin/users/reset`));
    const trusted = await open(b, '/admin/trusted-ips');
    await b.post(`${P}/admin/trusted-ips`, { ...formFields(trusted.res.body, `${P}/admin/trusted-ips`, 'value="add"'), entry: '10.1.0.0/16' });

    const types = (html: string) => [...html.matchAll(/<tr data-type="([^"]+)">/g)].map((m) => m[1]);
    const all = await open(b, '/admin/audit');
    expect(types(all.res.body)).toEqual(expect.arrayContaining(['enrolled', 'admin_login', 'reset', 'policy_changed', 'reload_ok']));
    expect(types((await open(b, '/admin/audit?type=reset')).res.body)).toEqual(['reset']);
    expect(types((await open(b, '/admin/audit?user=alice')).res.body)).toEqual(['reset']);
    const changed = await open(b, '/admin/audit?type=policy_changed');
    expect(textOf(changed.res.body)).toContain('twoFactor.trustedIps: [] → ["10.1.0.0/16"]');
  });

  it('Policy tester: explains the decision rule by rule, like gatehouse explain', async () => {
    stack = await startFileStack({ config: { twoFactor: { trustedIps: ['10.9.0.0/16'] } } });
    const { b } = await signedIn(stack);
    const page = await open(b, '/admin/tester');
    const form = formFields(page.res.body, `${P}/admin/tester`);
    expect(form.ip).toBe('127.0.0.1');

    let res = await b.post(`${P}/admin/tester`, { ...form, user: 'carol', groups: 'finance', ip: '10.1.2.3', path: '/reports' });
    expect(res.status).toBe(200);
    let text = textOf(res.body);
    expect(text).toContain('Decision: enrol — set-up required');
    expect(text).toContain('scope passed in scope via group finance');
    expect(text).toContain('Stored state of carol: never seen');

    res = await b.post(`${P}/admin/tester`, { ...form, user: 'carol', groups: 'finance', ip: '10.9.0.7', path: '/reports' });
    expect(textOf(res.body)).toContain('Decision: forward — trusted IP 10.9.0.0/16');
    res = await b.post(`${P}/admin/tester`, { ...form, user: 'bob', path: '/reports/../login' });
    expect(textOf(res.body)).toContain('Decision: forward — bypass rule /login');

    res = await b.post(`${P}/admin/tester`, { ...form, user: 'carol', ip: '10.0.0.300' });
    expect(res.status).toBe(422);
    expect(textOf(res.body)).toContain('10.0.0.300 is not an IP address.');
  });

  it('should speak French to a French browser', async () => {
    stack = await startFileStack();
    const { b } = await signedIn(stack);
    const fr = new Browser(stack.url, { 'accept-language': 'fr-FR,fr;q=0.9' });
    for (const [k, v] of b.jar) fr.jar.set(k, v);
    const res = await fr.get(`${P}/admin/users`);
    expect(res.status).toBe(200);
    const text = textOf(res.body);
    expect(text).toContain('Administration de Gatehouse');
    expect(text).toContain('Utilisateurs');
    expect(text).toContain('Recharger la configuration');
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { reloadFromFile } from '../../src/server/reload.js';
import { pathOf } from '../helpers/client.js';
import { browserFor } from '../helpers/flows.js';
import { startFileStack, type FileStack } from '../helpers/file-stack.js';
import { open, P, signedIn, textOf } from './helpers.js';

let stack: FileStack;
afterEach(async () => stack?.close());

function editFile(s: FileStack, from: string, to: string): number {
  const text = readFileSync(s.file, 'utf8');
  expect(text).toContain(from);
  const next = text.replace(from, to);
  writeFileSync(s.file, next);
  // 1-based line of the edit, as messages report it.
  return next.slice(0, next.indexOf(to)).split('\n').length;
}

describe('reloading the configuration', () => {
  it('should apply a hand edit when the Reload button is pressed', async () => {
    stack = await startFileStack();
    const bob = browserFor(stack);
    await bob.login('bob');
    expect((await bob.get('/reports')).status).toBe(200);
    const { b } = await signedIn(stack);
    const { csrf } = await open(b, '/admin/users');

    editFile(stack, '      - alice\n', '      - alice\n      - bob\n');
    const res = await b.post(`${P}/admin/reload`, { csrf, back: 'users' });
    expect(res.status).toBe(303);
    expect(pathOf(res.location)).toBe(`${P}/admin/users`);
    const page = await open(b, '/admin/users');
    expect(textOf(page.res.body)).toContain('Last reload (console:admin, 2026-12-04 12:00 UTC): applied: twoFactor.');
    expect(pathOf((await bob.get('/reports')).location)).toBe('/_gatehouse/enrol?rd=%2Freports');
    expect(await stack.store.listAudit({ type: 'reload_ok', limit: 5 })).toMatchObject([{ actor: 'console:admin' }]);
  });

  it('should refuse a broken file with its line, keep the running policy, and show the failure on every console page', async () => {
    stack = await startFileStack();
    const { b } = await signedIn(stack);
    const { csrf } = await open(b, '/admin');
    const line = editFile(stack, 'enforce: true', 'enforce: maybe');

    expect((await b.post(`${P}/admin/reload`, { csrf, back: 'settings' })).status).toBe(303);
    for (const path of ['/admin/settings', '/admin/users', '/admin/audit']) {
      const text = textOf((await open(b, path)).res.body);
      expect(text).toContain('The last reload (console:admin, 2026-12-04 12:00 UTC) was refused; the running policy stays in force:');
      expect(text).toContain(`${stack.file}:${line}:`);
      expect(text).toContain('twoFactor.enforce');
    }
    expect(stack.gh.runtime.live.version).toBe(1);
    expect(stack.gh.runtime.live.config.twoFactor.enforce).toBe(true);
    // Users notice nothing: alice is still asked to set up, as before.
    const alice = browserFor(stack);
    await alice.login('alice');
    expect(pathOf((await alice.get('/reports')).location)).toBe('/_gatehouse/enrol?rd=%2Freports');
    const [failed] = await stack.store.listAudit({ type: 'reload_failed', limit: 5 });
    expect(String((failed!.detail.errors as string[])[0])).toContain(`:${line}:`);
  });

  it('should write a refused reload to the log with the same precise messages', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } });
    stack = await startFileStack({ logger: pino({ level: 'info' }, sink) });
    const line = editFile(stack, 'enforce: true', 'enforce: maybe');
    await reloadFromFile(stack.gh.services, 'SIGHUP');
    const logged = lines.find((l) => l.msg === 'reload rejected: the running policy stays in force');
    expect(logged).toMatchObject({ level: 50 });
    expect(String((logged!.errors as string[])[0])).toContain(`gatehouse.yaml:${line}:`);
  });

  it('should show a refused SIGHUP reload in the console, and clear it after a good one', async () => {
    stack = await startFileStack();
    const { b } = await signedIn(stack);
    editFile(stack, 'twoFactor:\n', 'twoFactor:\n  trustedIps: [10.0.0.300]\n');
    // What serve.ts does on SIGHUP.
    const refused = await reloadFromFile(stack.gh.services, 'SIGHUP');
    expect(refused.ok).toBe(false);
    let text = textOf((await open(b, '/admin')).res.body);
    expect(text).toContain('The last reload (SIGHUP, 2026-12-04 12:00 UTC) was refused');
    expect(text).toContain("'10.0.0.300' is not an IP address or CIDR range");

    editFile(stack, '  trustedIps: [10.0.0.300]\n', '  trustedIps: [10.0.0.0/8]\n');
    expect((await reloadFromFile(stack.gh.services, 'SIGHUP')).ok).toBe(true);
    text = textOf((await open(b, '/admin')).res.body);
    expect(text).not.toContain('was refused');
    expect(text).toContain('Last reload (SIGHUP, 2026-12-04 12:00 UTC): applied: twoFactor.');
    expect(stack.gh.runtime.live.config.twoFactor.trustedIps).toEqual(['10.0.0.0/8']);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { inputValue } from '../helpers/client.js';
import { browserFor, enrol, totp } from '../helpers/flows.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** A store that can be switched off mid-test, like Redis going away between two commands. */
function switchable(inner: Store): { store: Store; down: { value: boolean; all: boolean } } {
  const down = { value: false, all: false };
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      // getUser keeps answering: the page's first read succeeds, the writes after it fail.
      if (typeof v !== 'function') return v;
      if (prop === 'close' || ((prop === 'getUser' || prop === 'getUserNow') && !down.all)) return (v as (...a: unknown[]) => unknown).bind(target);
      // The synchronous read fails the way SQLite does: it throws.
      if (prop === 'getUserNow') return (...args: unknown[]) => { if (down.value) throw new Error('connection lost'); return (v as (...a: unknown[]) => unknown).apply(target, args); };
      return (...args: unknown[]) => (down.value ? Promise.reject(new Error('connection lost')) : (v as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
  return { store, down };
}

describe('a store lost in the middle of a page', () => {
  it('should answer 503 with Retry-After, issue no cookie, and forward nothing', async () => {
    const { store, down } = switchable(new SqliteStore({ dir: mkdtempSync(join(tmpdir(), 'gh-drop-')) }));
    stack = await startStack({ store });
    const b = browserFor(stack);
    await b.login('alice');
    const { key } = await enrol(stack, b, '/reports');
    await b.get('/logout');
    await b.login('alice');
    const page = await b.get('/_gatehouse/challenge?rd=%2Freports');
    const csrf = inputValue(page.body, 'csrf')!;
    down.value = true;
    const res = await b.post('/_gatehouse/challenge', { csrf, rd: '/reports', code: totp(stack, key) });
expect(res.status, res.body.slice(0, 400)).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.setCookies.some((c) => c.startsWith('gh_s='))).toBe(false);
    down.all = true;
    const after = await b.get('/reports');
    expect(after.status).toBe(503);
    expect(after.body).not.toContain('Logged in as alice');
    await store.close();
  });
});

/** Small steps shared by the second-factor flow suites, on top of test/helpers. */
import { expect } from 'vitest';
import { Browser, inputValue, pathOf, type Res } from '../helpers/client.js';
import { totp } from '../helpers/flows.js';
import type { Stack } from '../helpers/stack.js';

/** A browser that says it comes from `ip` (the stack must trust 127.0.0.1 as a proxy). */
export function browserFrom(stack: Stack, ip: string): Browser {
  return new Browser(stack.url, { 'x-forwarded-for': ip });
}

/** The CSRF token of a Gatehouse page (asserts the page rendered). */
export async function csrfOf(b: Browser, path: string): Promise<string> {
  const page = await b.get(path);
  expect(page.status, `${path} should render`).toBe(200);
  const csrf = inputValue(page.body, 'csrf');
  expect(csrf).toBeTruthy();
  return csrf!;
}

/** Posts a code to the challenge page (fetching a fresh CSRF token first). */
export async function postCode(b: Browser, code: string, opts: { rd?: string; remember?: boolean } = {}): Promise<Res> {
  const rd = opts.rd ?? '/reports';
  const page = await b.get(`/_gatehouse/challenge?rd=${encodeURIComponent(rd)}`);
  const csrf = inputValue(page.body, 'csrf');
  if (!csrf) return page; // locked, or sent elsewhere: the caller asserts
  return b.post('/_gatehouse/challenge', { csrf, rd, code, ...(opts.remember ? { remember: '1' } : {}) });
}

/** A wrong code that is certainly not valid at any nearby step. */
export function wrongCode(stack: Stack, key: string): string {
  const near = new Set([-3, -2, -1, 0, 1, 2, 3].map((k) => totp(stack, key, k)));
  for (let i = 0; ; i++) {
    const c = String(100000 + i * 7919).slice(-6);
    if (!near.has(c)) return c;
  }
}

/** Where a navigation to `path` ends: 'through' (forwarded) or the Gatehouse page path. */
export async function landing(b: Browser, path = '/reports'): Promise<string> {
  const res = await b.get(path);
  if (res.status === 200 && !res.body.includes('/_gatehouse/static/')) return 'through';
  if (res.status === 302) return pathOf(res.location).split('?')[0]!;
  return `status ${res.status}`;
}

/** A new intranet login on the same browser (a new sid). */
export async function relogin(b: Browser, user: string): Promise<void> {
  await b.get('/logout');
  await b.login(user);
}

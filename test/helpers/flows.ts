/** Multi-step user journeys shared by integration tests: enrol, verify. */
import { expect } from 'vitest';
import { codeAt } from '../../src/totp/index.js';
import { Browser, inputValue, pathOf } from './client.js';
import type { Stack } from './stack.js';

export function browserFor(stack: Stack, headers: Record<string, string> = {}): Browser {
  return new Browser(stack.url, headers);
}

export function totp(stack: Stack, key: string, offsetSteps = 0): string {
  return codeAt(key.replace(/\s+/g, ''), { now: stack.clock.t + offsetSteps * 30_000 });
}

/** Walks a logged-in browser through enrolment; returns the secret and recovery codes. */
export async function enrol(stack: Stack, b: Browser, rd = '/reports'): Promise<{ key: string; codes: string[] }> {
  const page = await b.get(`/_gatehouse/enrol?rd=${encodeURIComponent(rd)}`);
  expect(page.status).toBe(200);
  const key = inputValue(page.body, 'manual-key')!.replace(/\s+/g, '');
  const csrf = inputValue(page.body, 'csrf')!;
  const done = await b.post('/_gatehouse/enrol', { csrf, rd, code: totp(stack, key) });
  expect(done.status).toBe(200);
  const codes = [...done.body.matchAll(/<li>([a-z0-9-]+)<\/li>/g)].map((m) => m[1]!);
  expect(codes.length).toBe(10);
  // The next code must be in a later time-step: move the clock on.
  stack.clock.advance(30_000);
  return { key, codes };
}

/** Answers the challenge page with a fresh code. */
export async function verify(stack: Stack, b: Browser, key: string, opts: { rd?: string; remember?: boolean } = {}) {
  const rd = opts.rd ?? '/reports';
  const page = await b.get(`/_gatehouse/challenge?rd=${encodeURIComponent(rd)}`);
  expect(page.status).toBe(200);
  const csrf = inputValue(page.body, 'csrf')!;
  const res = await b.post('/_gatehouse/challenge', { csrf, rd, code: totp(stack, key), ...(opts.remember ? { remember: '1' } : {}) });
  stack.clock.advance(30_000);
  return { res, path: pathOf(res.location) };
}

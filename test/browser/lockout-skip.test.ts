/// <reference lib="dom" />
/**
 * The two pages that depend on time: the lockout after repeated wrong codes
 * (own stack, because a lock also holds the client IP, and every browser
 * here is 127.0.0.1), and "Skip for now" with its grace period.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserFor, enrol } from '../helpers/flows.js';
import type { Stack } from '../helpers/stack.js';
import { checkPage, codeNow, intranetLogin, launchBrowser, navigates, newPage, startBrowserStack, where } from './harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('lockout in a browser', () => {
  let stack: Stack;
  afterAll(async () => stack?.close());

  it('should lock after repeated wrong codes, say until when, and let the user in once the lock is over', async () => {
    stack = await startBrowserStack({ twoFactor: { lockout: { maxFailures: 3, window: '5m', duration: '15m' } } });
    const b = browserFor(stack);
    await b.login('alice');
    const { key } = await enrol(stack, b, '/');

    const { context, page } = await newPage(browser);
    await intranetLogin(page, stack.url, 'alice', '/reports');
    expect(where(page)).toBe('/_gatehouse/challenge?rd=%2Freports');
    const right = codeNow(stack, key);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) {
      await page.locator('#code').fill(wrong);
      await navigates(page, () => page.getByRole('button', { name: 'Verify' }).click());
    }
    await expect(page.locator('h1').textContent()).resolves.toBe('Too many attempts');
    const until = new Date(stack.clock.t + 15 * 60_000);
    const hhmm = `${String(until.getUTCHours()).padStart(2, '0')}:${String(until.getUTCMinutes()).padStart(2, '0')}`;
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('Try again in 15 minutes');
    expect(text).toContain(hhmm);
    await checkPage(page, 'locked');

    // Going back to the intranet meets the lock too, and the right code does not break it.
    await page.goto(`${stack.url}/reports`);
    expect(where(page)).toBe('/_gatehouse/locked?rd=%2Freports');
    await expect(page.locator('h1').textContent()).resolves.toBe('Too many attempts');

    stack.clock.advance(16 * 60_000);
    await page.goto(`${stack.url}/reports`);
    expect(where(page)).toBe('/_gatehouse/challenge?rd=%2Freports');
    await page.locator('#code').fill(codeNow(stack, key));
    await page.keyboard.press('Enter');
    await page.waitForURL(`${stack.url}/reports`);
    await context.close();
  });
});

describe('skip for now in a browser (enforce: false)', () => {
  let stack: Stack;
  afterAll(async () => stack?.close());

  it('should offer "Skip for now" until the grace period ends, and ask again at each intranet login', async () => {
    stack = await startBrowserStack({ twoFactor: { enforce: false, skip: { gracePeriod: '14d' } } });
    const { context, page } = await newPage(browser);
    await intranetLogin(page, stack.url, 'alice', '/reports');
    expect(where(page)).toBe('/_gatehouse/enrol?rd=%2Freports');
    const deadline = new Date(stack.clock.t + 14 * 86_400_000).toLocaleDateString('en-GB', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
    await expect(page.locator('main').textContent()).resolves.toContain(`You can skip set-up until ${deadline}.`);
    await checkPage(page, 'enrol-skippable');

    await page.getByRole('button', { name: 'Skip for now' }).click();
    await page.waitForURL(`${stack.url}/reports`);
    // Skipped for this intranet session: other pages go straight through.
    await page.goto(`${stack.url}/finance`);
    expect(where(page)).toBe('/finance');

    // The next intranet login asks again.
    await page.goto(`${stack.url}/logout`);
    await intranetLogin(page, stack.url, 'alice', '/reports');
    expect(where(page)).toBe('/_gatehouse/enrol?rd=%2Freports');
    await expect(page.getByRole('button', { name: 'Skip for now' }).count()).resolves.toBe(1);

    // After the grace period, set-up is required and the page says since when.
    stack.clock.advance(15 * 86_400_000);
    await page.goto(`${stack.url}/logout`);
    await intranetLogin(page, stack.url, 'alice', '/reports');
    expect(where(page)).toBe('/_gatehouse/enrol?rd=%2Freports');
    await expect(page.getByRole('button', { name: 'Skip for now' }).count()).resolves.toBe(0);
    await expect(page.locator('main').textContent()).resolves.toContain(`ended on ${deadline}`);
    await context.close();
  });
});

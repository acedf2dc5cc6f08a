/// <reference lib="dom" />
/**
 * The challenge page in a real browser: keyboard alone, "remember this
 * device" across a new intranet login, a wrong code then a right one, a
 * pasted code, and a recovery code instead of the app.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserFor, enrol } from '../helpers/flows.js';
import type { Stack } from '../helpers/stack.js';
import { checkPage, codeNow, intranetLogin, launchBrowser, navigates, newPage, startBrowserStack, where } from './harness.js';

let browser: Browser;
let stack: Stack;
const enrolled = new Map<string, { key: string; codes: string[] }>();

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startBrowserStack({ twoFactor: { enabledFor: { everyone: true }, rememberDevices: { enabled: true, days: 30 } } });
  // Set-up is enrol.test.ts's subject; here users arrive already enrolled.
  for (const user of ['alice', 'bob', 'carol']) {
    const b = browserFor(stack);
    await b.login(user);
    enrolled.set(user, await enrol(stack, b, '/'));
  }
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

function keyOf(user: string): string {
  return enrolled.get(user)!.key;
}

async function logoutAndLogin(page: Page, user: string, next: string): Promise<void> {
  await page.goto(`${stack.url}/logout`);
  await intranetLogin(page, stack.url, user, next);
}

describe('challenge in a browser', () => {
  it('should take a code typed with the keyboard alone, remember the device, and not ask again at the next intranet login', async () => {
    const { context, page } = await newPage(browser);
    await intranetLogin(page, stack.url, 'alice', '/reports');
    expect(where(page)).toBe('/_gatehouse/challenge?rd=%2Freports');
    await expect(page.locator('main').textContent()).resolves.toContain('Signed in to Acme Intranet as alice');
    const code = page.locator('#code');
    await expect(code.getAttribute('autocomplete')).resolves.toBe('one-time-code');
    await expect(code.getAttribute('inputmode')).resolves.toBe('numeric');
    await checkPage(page, 'challenge');

    // The field has focus on arrival: type, Tab to the checkbox, Space, Tab to Verify, Enter.
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('code');
    await page.keyboard.type(codeNow(stack, keyOf('alice')));
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).resolves.toBe('remember');
    await page.keyboard.press('Space');
    await expect(page.getByLabel('Remember this device for 30 days').isChecked()).resolves.toBe(true);
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Verify');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${stack.url}/reports`);
    await expect(page.locator('body').textContent()).resolves.toContain('Logged in as alice');
    stack.clock.advance(30_000);

    // A new intranet session on this remembered device: straight through.
    await logoutAndLogin(page, 'alice', '/reports');
    expect(where(page)).toBe('/reports');
    await expect(page.locator('body').textContent()).resolves.toContain('Logged in as alice');
    await context.close();
  });

  it('should refuse a wrong code with a message, then take the right one pasted as "123 456"', async () => {
    const { context, page } = await newPage(browser);
    await intranetLogin(page, stack.url, 'bob', '/finance');
    expect(where(page)).toBe('/_gatehouse/challenge?rd=%2Ffinance');
    const right = codeNow(stack, keyOf('bob'));
    const wrong = right === '000000' ? '111111' : '000000';
    await page.locator('#code').fill(wrong);
    await navigates(page, () => page.getByRole('button', { name: 'Verify' }).click());
    expect(where(page)).toBe('/_gatehouse/challenge');
    await expect(page.locator('#code-error').textContent()).resolves.toBe('That code didn’t work. Try the newest code from your app.');
    await expect(page.locator('#code').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.locator('#code').getAttribute('aria-describedby')).resolves.toBe('code-error');
    await checkPage(page, 'challenge-wrong-code');

    // A paste as apps show it: the script keeps the digits.
    await page.locator('#code').focus();
    await page.evaluate((text) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      document.getElementById('code')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, ` ${right.slice(0, 3)} ${right.slice(3)}\n`);
    await expect(page.locator('#code').inputValue()).resolves.toBe(right);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${stack.url}/finance`);
    stack.clock.advance(30_000);

    // Not remembered: the next intranet login asks again.
    await logoutAndLogin(page, 'bob', '/finance');
    expect(where(page)).toBe('/_gatehouse/challenge?rd=%2Ffinance');
    // Without the script's help too: the server forgives the spaces.
    const next = codeNow(stack, keyOf('bob'));
    await page.locator('#code').fill(`${next.slice(0, 3)} ${next.slice(3)}`);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${stack.url}/finance`);
    stack.clock.advance(30_000);
    await context.close();
  });

  it('should let a user without their phone in with a recovery code', async () => {
    const { context, page } = await newPage(browser);
    await intranetLogin(page, stack.url, 'carol', '/reports');
    await navigates(page, () => page.getByRole('link', { name: 'Use a recovery code instead' }).click());
    expect(where(page)).toBe('/_gatehouse/recovery?rd=%2Freports');
    await expect(page.locator('main').textContent()).resolves.toContain('Lost your device? Contact the IT desk on extension 4321.');
    await checkPage(page, 'recovery');
    // Typed from paper, in capitals and without hyphens.
    await page.getByLabel('Recovery code').fill(enrolled.get('carol')!.codes[0]!.replace(/-/g, '').toUpperCase());
    await page.keyboard.press('Enter');
    await page.waitForURL(`${stack.url}/reports`);
    await expect(page.locator('body').textContent()).resolves.toContain('Logged in as carol');
    await context.close();
  });
});

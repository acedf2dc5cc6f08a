/// <reference lib="dom" />
/**
 * The admin console in a real browser, and what its changes do to users in
 * other browsers: a trusted IP, switching enforce, resetting a user who
 * then sets up again, and the policy tester. The config is a YAML file on
 * disk, as in production: the console saves to it.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserFor, enrol } from '../helpers/flows.js';
import { checkPage, codeNow, intranetLogin, launchBrowser, navigates, newPage, parseOtpauth, readQr, startBrowserStack, type BrowserStack, where } from './harness.js';

let browser: Browser;
let stack: BrowserStack;
let admin: { context: BrowserContext; page: Page };
const keys = new Map<string, string>();
const P = '/_gatehouse';

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startBrowserStack(
    { twoFactor: { enabledFor: { everyone: false, users: ['alice', 'admin'], groups: ['finance'] }, enforce: true, trustedIps: [] } },
    { file: true },
  );
  for (const user of ['admin', 'alice']) {
    const b = browserFor(stack);
    await b.login(user);
    keys.set(user, (await enrol(stack, b, '/')).key);
  }
  // The admin signs in in the browser; the console asks for a fresh code first.
  admin = await newPage(browser);
  await intranetLogin(admin.page, stack.url, 'admin', '/');
  await admin.page.goto(`${stack.url}${P}/admin`);
  expect(where(admin.page)).toBe(`${P}/challenge?rd=%2F_gatehouse%2Fadmin&stepup=1`);
  await expect(admin.page.locator('main').textContent()).resolves.toContain('The admin console needs a fresh code.');
  await admin.page.locator('#code').fill(codeNow(stack, keys.get('admin')!));
  await admin.page.keyboard.press('Enter');
  await admin.page.waitForURL((u) => !u.pathname.startsWith(`${P}/challenge`));
  // The step-up code brings the admin back to the console page they asked for.
  expect(where(admin.page)).toBe(`${P}/admin`);
  stack.clock.advance(30_000);
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function tab(name: string): Promise<Page> {
  const page = admin.page;
  await navigates(page, () => page.getByRole('navigation').getByRole('link', { name, exact: true }).click());
  await expect(page.locator('h2').first().textContent()).resolves.toBe(name);
  return page;
}

/** A user's fresh browser and intranet login; where they end up when asking for /reports. */
async function userArrives(user: string): Promise<{ context: BrowserContext; page: Page }> {
  const u = await newPage(browser);
  await intranetLogin(u.page, stack.url, user, '/reports');
  return u;
}

describe('admin console in a browser', () => {
  it('should show the console, accessible, at both widths', async () => {
    const page = await tab('Enable two-factor');
    await expect(page.locator('main').textContent()).resolves.toContain('admin');
    await checkPage(page, 'console-scope', { shots: false });
  });

  it('should trust an IP added in the console: no code asked from it, until it is removed', async () => {
    const page = await tab('Trusted IPs');
    await expect(page.locator('#your-ip').textContent()).resolves.toContain('It is not trusted.');
    await page.getByLabel('IP address or range to add').fill('127.0.0.0/8');
    await navigates(page, () => page.getByRole('button', { name: 'Add', exact: true }).click());
    await expect(page.locator('main').textContent()).resolves.toContain('Saved and applied');
    await expect(page.locator('#your-ip').textContent()).resolves.toContain('127.0.0.0/8');
    await checkPage(page, 'console-trusted', { shots: false });

    // alice, enrolled, from this (now trusted) address: straight to the intranet.
    const alice = await userArrives('alice');
    expect(where(alice.page)).toBe('/reports');
    await alice.context.close();

    await navigates(page, () => page.getByRole('button', { name: 'Remove 127.0.0.0/8' }).click());
    await expect(page.locator('#your-ip').textContent()).resolves.toContain('It is not trusted.');
    const again = await userArrives('alice');
    expect(where(again.page)).toBe(`${P}/challenge?rd=%2Freports`);
    await again.context.close();
  });

  it('should let users skip set-up once enforce is switched off', async () => {
    // carol is not in scope yet: add her, then she must set up at once.
    let page = await tab('Enable two-factor');
    await page.locator('#add-enabledFor-users').fill('carol');
    await navigates(page, () => page.locator('form:has(#add-enabledFor-users)').getByRole('button', { name: 'Add' }).click());
    await expect(page.locator('main').textContent()).resolves.toContain('Saved and applied');
    const before = await userArrives('carol');
    expect(where(before.page)).toBe(`${P}/enrol?rd=%2Freports`);
    await expect(before.page.getByRole('button', { name: 'Skip for now' }).count()).resolves.toBe(0);
    await before.context.close();

    page = await tab('Settings');
    await page.getByLabel('Enforce set-up').selectOption('false');
    await navigates(page, () => page.getByRole('button', { name: 'Save configuration' }).click());
    await expect(page.locator('main').textContent()).resolves.toContain('Saved and applied');
    await expect(page.getByLabel('Enforce set-up').inputValue()).resolves.toBe('false');
    await checkPage(page, 'console-settings', { shots: false });

    const after = await userArrives('carol');
    expect(where(after.page)).toBe(`${P}/enrol?rd=%2Freports`);
    await after.page.getByRole('button', { name: 'Skip for now' }).click();
    await after.page.waitForURL(`${stack.url}/reports`);
    await after.context.close();
  });

  it('should reset a user, who then sets up two-factor again', async () => {
    // alice has a verified session in her own browser.
    const alice = await userArrives('alice');
    await alice.page.locator('#code').fill(codeNow(stack, keys.get('alice')!));
    await alice.page.keyboard.press('Enter');
    await alice.page.waitForURL(`${stack.url}/reports`);
    stack.clock.advance(30_000);

    const page = await tab('Users');
    const row = page.locator('tr[data-user="alice"]');
    await expect(row.locator('.pill').getAttribute('data-status')).resolves.toBe('enrolled');
    await checkPage(page, 'console');
    await navigates(page, () => row.getByRole('link', { name: 'Reset' }).click());
    await expect(page.locator('main').textContent()).resolves.toContain('Reset two-factor for alice?');
    await navigates(page, () => page.getByRole('button', { name: 'Yes, reset alice' }).click());
    await expect(page.locator('main').textContent()).resolves.toContain('alice was reset');

    // Her open session ended: her next page is set-up, with a new secret.
    await alice.page.goto(`${stack.url}/reports`);
    expect(where(alice.page)).toBe(`${P}/enrol?rd=%2Freports`);
    const secret = parseOtpauth(await readQr(alice.page.locator('.qr svg'))).secret;
    expect(secret).not.toBe(keys.get('alice'));
    await alice.page.locator('#code').fill(codeNow(stack, secret));
    await navigates(alice.page, () => alice.page.getByRole('button', { name: 'Turn on two-factor' }).click());
    await expect(alice.page.locator('ul.codes li').count()).resolves.toBe(10);
    stack.clock.advance(30_000);
    await alice.page.getByRole('link', { name: /continue/ }).click();
    await alice.page.waitForURL(`${stack.url}/reports`);
    await alice.context.close();
  });

  it('should explain a decision in the policy tester', async () => {
    const page = await tab('Policy tester');
    await page.getByLabel('User', { exact: true }).fill('bob');
    await page.getByLabel('Path').fill('/reports');
    await page.getByLabel('Client IP').fill('10.1.2.3');
    await navigates(page, () => page.getByRole('button', { name: 'Explain' }).click());
    await expect(page.locator('#decision').textContent()).resolves.toMatch(/^Decision: forward — /);

    await page.getByLabel('User', { exact: true }).fill('alice');
    await page.getByLabel('Groups (comma-separated)').fill('finance');
    await navigates(page, () => page.getByRole('button', { name: 'Explain' }).click());
    await expect(page.locator('#decision').textContent()).resolves.toMatch(/^Decision: challenge — /);
    await checkPage(page, 'console-tester', { shots: false });
  });
});

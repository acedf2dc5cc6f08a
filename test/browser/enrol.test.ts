/// <reference lib="dom" />
/**
 * Enrolment in a real browser, as a person does it: log in to the intranet,
 * meet the set-up page, scan the QR code (read from pixels with jsQR), type
 * the code, keep the recovery codes, and land where they were going.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { checkPage, codeNow, intranetLogin, launchBrowser, navigates, newPage, parseOtpauth, readQr, startBrowserStack, where } from './harness.js';

let browser: Browser;
let stack: Stack;

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startBrowserStack({ twoFactor: { enabledFor: { everyone: true } } });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('enrolment in a browser', () => {
  it('should enrol from a scanned QR code, show recovery codes, and land on the page first asked for', async () => {
    const { context, page } = await newPage(browser);
    await intranetLogin(page, stack.url, 'alice', '/reports?tab=q3');
    expect(where(page)).toBe('/_gatehouse/enrol?rd=%2Freports%3Ftab%3Dq3');

    // What the page promises a user, in words.
    await expect(page.locator('h1').textContent()).resolves.toBe('Set up two-factor authentication');
    const text = (await page.locator('main').textContent()) ?? '';
    for (const app of ['Google Authenticator', 'Microsoft Authenticator', 'Duo Mobile', 'Authy']) expect(text).toContain(app);
    expect(text).toContain('Signed in to Acme Intranet as alice');
    await expect(page.locator('main a[href="https://intranet.example/help/two-factor"]').count()).resolves.toBe(1);
    await expect(page.locator('img[src="/assets/logo.svg"]').count()).resolves.toBe(1);
    await checkPage(page, 'enrol');

    // The phone's view: pixels → otpauth URI → code.
    const uri = await readQr(page.locator('.qr svg'));
    const otp = parseOtpauth(uri);
    expect(otp.type).toBe('totp');
    expect(otp.issuer).toBe('Test Intranet');
    expect(otp.account).toBe('alice');
    expect(otp.params.get('issuer')).toBe('Test Intranet');
    expect(otp.secret).toMatch(/^[A-Z2-7]{32}$/);
    // The manual key is the same secret, in groups of four.
    const manual = await page.locator('#manual-key').inputValue();
    expect(manual).toMatch(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
    expect(manual.replace(/ /g, '')).toBe(otp.secret);

    // Typed as the app shows it, "123 456": the space is fine.
    const code = codeNow(stack, otp.secret);
    await page.locator('#code').fill(`${code.slice(0, 3)} ${code.slice(3)}`);
    await navigates(page, () => page.getByRole('button', { name: 'Turn on two-factor' }).click());

    await expect(page.locator('h1').textContent()).resolves.toBe('Save your recovery codes');
    const codes = await page.locator('ul.codes li').allTextContents();
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{2}$/);
    await checkPage(page, 'recovery-codes');

    // "Download as text" hands over the same codes.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as text' }).click()]);
    expect(download.suggestedFilename()).toBe('recovery-codes.txt');
    const file = await download.createReadStream().then(async (s) => {
      const chunks: Buffer[] = [];
      for await (const c of s) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    });
    for (const c of codes) expect(file).toContain(c);
    expect(file).toContain('Acme Intranet');

    stack.clock.advance(30_000);
    await navigates(page, () => page.getByRole('link', { name: /continue/ }).click());
    expect(where(page)).toBe('/reports?tab=q3');
    await expect(page.locator('body').textContent()).resolves.toContain('Logged in as alice');
    await context.close();
  });

  it('should copy the manual key with the Copy button', async () => {
    const { context, page } = await newPage(browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.url });
    await intranetLogin(page, stack.url, 'bob', '/');
    expect(where(page)).toMatch(/^\/_gatehouse\/enrol/);
    const button = page.getByRole('button', { name: 'Copy key' });
    await expect(button.isVisible()).resolves.toBe(true);
    await button.click();
    // The status is written when the clipboard's promise settles: wait for that, then check what it says.
    await page.waitForFunction(() => (document.querySelector('#copy-status')?.textContent ?? '') !== '');
    await expect(page.locator('#copy-status').textContent()).resolves.toBe('Key copied.');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const shown = await page.locator('#manual-key').inputValue();
    expect(copied).toBe(shown.replace(/ /g, ''));
    // Focusing the key selects all of it, ready for Ctrl+C.
    await page.locator('#manual-key').focus();
    const selected = await page.evaluate(() => {
      const el = document.getElementById('manual-key') as HTMLTextAreaElement;
      return el.value.slice(el.selectionStart, el.selectionEnd);
    });
    expect(selected).toBe(shown);
    await context.close();
  });

  it('should offer to open the key in an authenticator app when the page is on a phone', async () => {
    // bob did not finish in the test above: a new browser starts a new set-up.
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await intranetLogin(page, stack.url, 'bob', '/');
    const link = page.getByRole('link', { name: 'Open in an authenticator app on this phone' });
    await expect(link.isVisible()).resolves.toBe(true);
    // The same account the QR code holds: a phone cannot scan its own screen.
    await expect(link.getAttribute('href')).resolves.toBe(await readQr(page.locator('.qr svg')));
    await context.close();
    // On a desktop (fine pointer) the link is not shown.
    const desk = await newPage(browser);
    await intranetLogin(desk.page, stack.url, 'bob', '/');
    await expect(desk.page.getByRole('link', { name: 'Open in an authenticator app on this phone' }).isVisible()).resolves.toBe(false);
    await desk.context.close();
  });

  it('should work without JavaScript: the key stays selectable and the form posts', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-GB', viewport: { width: 375, height: 812 } });
    const page = await context.newPage();
    await intranetLogin(page, stack.url, 'carol', '/');
    expect(where(page)).toMatch(/^\/_gatehouse\/enrol/);
    // No script, no copy button: only the read-only key, which a person can select and copy.
    await expect(page.getByRole('button', { name: 'Copy key' }).isVisible()).resolves.toBe(false);
    const key = page.locator('#manual-key');
    await expect(key.isVisible()).resolves.toBe(true);
    await expect(key.getAttribute('readonly')).resolves.not.toBeNull();
    const secret = (await key.inputValue()).replace(/ /g, '');
    await page.locator('#code').fill(codeNow(stack, secret));
    await navigates(page, () => page.getByRole('button', { name: 'Turn on two-factor' }).click());
    await expect(page.locator('ul.codes li').count()).resolves.toBe(10);
    stack.clock.advance(30_000);
    await context.close();
  });

  it('should say what went wrong next to the field after a wrong code, and keep the same QR code', async () => {
    const { context, page } = await newPage(browser);
    await intranetLogin(page, stack.url, 'dave', '/');
    const before = await readQr(page.locator('.qr svg'));
    const secret = parseOtpauth(before).secret;
    const wrong = codeNow(stack, secret) === '000000' ? '111111' : '000000';
    await page.locator('#code').fill(wrong);
    await navigates(page, () => page.getByRole('button', { name: 'Turn on two-factor' }).click());
    const input = page.locator('#code');
    await expect(input.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.locator('#code-error').textContent()).resolves.toContain('didn’t work');
    // The field is focused again, so the next attempt is just typing.
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('code');
    // Already scanned: a reload must not change the secret under the user.
    expect(await readQr(page.locator('.qr svg'))).toBe(before);
    await checkPage(page, 'enrol-wrong-code', { shots: false });
    await page.keyboard.type(codeNow(stack, secret));
    await navigates(page, () => page.keyboard.press('Enter'));
    await expect(page.locator('h1').textContent()).resolves.toBe('Save your recovery codes');
    stack.clock.advance(30_000);
    await context.close();
  });

  it('should reach the code field by keyboard alone', async () => {
    const { context, page } = await newPage(browser);
    await intranetLogin(page, stack.url, 'admin', '/');
    const secret = parseOtpauth(await readQr(page.locator('.qr svg'))).secret;
    // Tab from the top of the page: every stop is reachable, and the code field is among them.
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.id === 'code');
    }
    expect(reached).toBe(true);
    await page.keyboard.type(codeNow(stack, secret));
    await navigates(page, () => page.keyboard.press('Enter'));
    await expect(page.locator('h1').textContent()).resolves.toBe('Save your recovery codes');
    stack.clock.advance(30_000);
    await context.close();
  });
});

/// <reference lib="dom" />
/**
 * What every page shares, seen in a browser: the language (Accept-Language,
 * pages.language, pages.texts), the branding (title, logo, an accent colour
 * that still reads well), the security headers, and the error pages. Also
 * checks the harness's own accessibility check can fail.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserFor, enrol } from '../helpers/flows.js';
import type { Stack } from '../helpers/stack.js';
import { BRAND, checkPage, expectAccessible, intranetLogin, launchBrowser, newPage, startBrowserStack, where } from './harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('language and branding', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startBrowserStack();
  });
  afterAll(async () => stack?.close());

  it('should speak French to a browser that prefers French, with the strict headers on every page', async () => {
    const { context, page } = await newPage(browser, { locale: 'fr-FR' });
    await intranetLogin(page, stack.url, 'alice', '/reports');
    expect(where(page)).toBe('/_gatehouse/enrol?rd=%2Freports');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('fr');
    await expect(page.locator('h1').textContent()).resolves.toBe('Activer la double authentification');
    await expect(page.locator('main').textContent()).resolves.toContain('Connecté à Acme Intranet en tant que alice');
    await checkPage(page, 'enrol-fr', { shots: false });

    const res = await page.goto(`${stack.url}/_gatehouse/enrol?rd=%2Freports`);
    const csp = res!.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res!.headers()['x-frame-options']).toBe('DENY');
    await context.close();
  });

  it('should show the configured title and logo, and nothing from outside', async () => {
    const { context, page } = await newPage(browser);
    const outside: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(stack.url)) outside.push(r.url());
    });
    await intranetLogin(page, stack.url, 'admin', '/');
    await expect(page.locator('header.brand').textContent()).resolves.toBe(BRAND.title);
    await expect(page.title()).resolves.toBe(`Set up two-factor authentication · ${BRAND.title}`);
    // The logo loaded (through the intranet's bypassed /assets/), it is not a broken image.
    await expect(page.locator('header.brand img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).resolves.toBe(true);
    expect(outside).toEqual([]);
    await context.close();
  });

  it('should show the error page for an unknown Gatehouse address', async () => {
    const { context, page } = await newPage(browser);
    const res = await page.goto(`${stack.url}/_gatehouse/no-such-page`);
    expect(res!.status()).toBe(404);
    await expect(page.locator('h1').textContent()).resolves.toBe('Something went wrong');
    await expect(page.locator('main').textContent()).resolves.toContain('There is nothing here.');
    await checkPage(page, 'error-404', { shots: false });
    await context.close();
  });
});

describe('configured language, rewording and accent colour', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startBrowserStack({
      pages: {
        language: 'fr',
        // A light brand colour: white button text would be unreadable on it.
        accentColor: '#f5c400',
        texts: { fr: { 'challenge.title': 'Votre code <Acme>' } },
      },
    });
  });
  afterAll(async () => stack?.close());

  it('should use pages.language over the browser, the company’s own wording (escaped), and readable colours on a light accent', async () => {
    const b = browserFor(stack);
    await b.login('alice');
    const { key } = await enrol(stack, b, '/');
    void key;
    const { context, page } = await newPage(browser, { locale: 'en-US' });
    await intranetLogin(page, stack.url, 'alice', '/reports');
    expect(where(page)).toBe('/_gatehouse/challenge?rd=%2Freports');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('fr');
    await expect(page.locator('h1').textContent()).resolves.toBe('Votre code <Acme>');
    await expect(page.getByRole('button', { name: 'Vérifier' }).count()).resolves.toBe(1);
    const button = page.getByRole('button', { name: 'Vérifier' });
    await expect(button.evaluate((el) => getComputedStyle(el).backgroundColor)).resolves.toBe('rgb(245, 196, 0)');
    await expect(button.evaluate((el) => getComputedStyle(el).color)).resolves.toBe('rgb(17, 20, 24)');
    // axe's colour-contrast rule covers the derived link colour in light and dark.
    await checkPage(page, 'challenge-accent', { shots: false });
    await context.close();
  });
});

describe('fail closed, in words', () => {
  let stack: Stack;
  afterAll(async () => stack?.close());

  it('should show a calm "try again" page when the intranet cannot say who is logged in', async () => {
    stack = await startBrowserStack();
    await stack.intranet.close();
    const { context, page } = await newPage(browser);
    // A session cookie Gatehouse has never looked up: it must ask the (stopped) intranet.
    await context.addCookies([{ name: 'sid', value: 'never-looked-up', url: stack.url }]);
    const res = await page.goto(`${stack.url}/reports`);
    expect(res!.status()).toBe(503);
    await expect(page.locator('main').textContent()).resolves.toContain('Try again in a minute.');
    await expect(page.getByRole('link', { name: 'Try again' }).getAttribute('href')).resolves.toBe('/reports');
    await checkPage(page, 'error');
    await context.close();
  });
});

describe('the harness', () => {
  it('should fail the accessibility check on a page with an unlabelled field', async () => {
    const { context, page } = await newPage(browser);
    await page.setContent('<!doctype html><html lang="en"><title>t</title><main><h1>x</h1><input type="text"></main></html>');
    await expect(expectAccessible(page, 'broken')).rejects.toThrow(/label/);
    await context.close();
  });
});

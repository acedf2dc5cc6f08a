/// <reference lib="dom" />
/**
 * The browser suite's harness: Debian's Chromium driven by playwright-core
 * (never a browser download), a Gatehouse stack on a real loopback port with
 * `server.publicUrl` pointing at it (Gatehouse's redirects are absolute, so
 * the browser must be able to follow them), and the checks every page gets:
 * axe-core and screenshots.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import jsQRImport from 'jsqr';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { expect } from 'vitest';
import YAML from 'yaml';
import { startIntranet } from '../../demo/intranet.js';
import { buildApp } from '../../src/app.js';
import { loadConfigFile } from '../../src/config/index.js';
import { createStore } from '../../src/store/index.js';
import { codeAt } from '../../src/totp/index.js';
import { baseConfig, configFrom, deepMerge, makeClock, type Stack } from '../helpers/stack.js';

const require = createRequire(import.meta.url);
// jsqr is CommonJS: under Node's ESM rules its default import is module.exports, which is the function itself.
const jsQR = jsQRImport as unknown as (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Starts Chromium, or fails loudly: a browser suite that skips itself when the
 * browser is missing would report green while testing nothing.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. The browser suite needs Debian's chromium: ` +
        '`apt-get install -y chromium` (.ci/run does this), or set CHROMIUM_PATH. Never `npx playwright install`.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      // Some CI containers have a 64 MB /dev/shm: Chromium crashes on big pages without this.
      '--disable-dev-shm-usage',
    ],
  });
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

type Obj = Record<string, unknown>;

/**
 * Like test/helpers/stack.ts's startStack, but on a port chosen before the
 * app is built, so `server.publicUrl` is where the browser really is. The
 * clock starts at the real time (codes computed from it look like an app's)
 * and only moves when a test moves it.
 */
export interface BrowserStack extends Stack {
  /** The YAML file the config was loaded from, when started with { file: true }. */
  file?: string;
}

/**
 * `file: true` writes the config to dataDir/gatehouse.yaml and loads it from
 * there, as `gatehouse serve` does: the console saves to that file.
 */
export async function startBrowserStack(over: Obj = {}, opts: { file?: boolean } = {}): Promise<BrowserStack> {
  const intranet = await startIntranet({ port: 0, quiet: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-browser-'));
  const clock = makeClock(Date.now());
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const merged = deepMergeServer(over, url);
    let config = configFrom(intranet.url, dataDir, merged);
    const file = opts.file ? join(dataDir, 'gatehouse.yaml') : undefined;
    if (file) {
      writeFileSync(file, YAML.stringify(deepMerge(baseConfig(intranet.url, dataDir), merged)));
      config = loadConfigFile(file);
    }
    const store = await createStore(config);
    const gh = await buildApp({ config, store, now: clock.now, logger: false });
    try {
      await gh.app.listen({ host: '127.0.0.1', port });
    } catch (err) {
      await gh.close();
      await store.close();
      // Another process took the port between freePort() and listen(): try another.
      if (attempt < 5 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
      throw err;
    }
    return {
      gh,
      url,
      intranet,
      config,
      store,
      clock,
      dataDir,
      ...(file ? { file } : {}),
      async close() {
        await gh.close();
        await store.close();
        // A test may have stopped the intranet already to see Gatehouse fail closed.
        await intranet.close().catch(() => undefined);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
}

/** The branding every browser stack has unless a test says otherwise: the screenshots show a company's pages, not bare defaults. */
export const BRAND = {
  title: 'Acme Intranet',
  logoUrl: '/assets/logo.svg',
  helpUrl: 'https://intranet.example/help/two-factor',
  supportContact: 'the IT desk on extension 4321',
} as const;

function deepMergeServer(over: Obj, url: string): Obj {
  const server = { ...((over.server as Obj | undefined) ?? {}), publicUrl: url };
  const pages = { ...BRAND, ...((over.pages as Obj | undefined) ?? {}) };
  return { ...over, server, pages };
}

/** A fresh browser context (its own cookie jar) with English preferred unless told otherwise. */
export async function newPage(browser: Browser, opts: { locale?: string; width?: number } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    locale: opts.locale ?? 'en-GB',
    viewport: { width: opts.width ?? 1280, height: 900 },
    // The CSP must hold: a page that needed inline code would break here.
    bypassCSP: false,
  });
  // Records Content-Security-Policy violations: a page that needed an inline
  // style or script would still render, just uglier, and only this would tell.
  await context.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  return { context, page };
}

/** Every check a Gatehouse page gets: strict CSP held, fits a 375 px phone, axe clean in light and dark; then its screenshots. */
export async function checkPage(page: Page, name: string, opts: { shots?: boolean } = {}): Promise<void> {
  const csp = await page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
  expect(csp, `CSP violations on the ${name} page`).toEqual([]);
  const before = page.viewportSize() ?? { width: 1280, height: 900 };
  await page.setViewportSize({ width: 375, height: 812 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `the ${name} page scrolls sideways at 375 px`).toBeLessThanOrEqual(0);
  await page.setViewportSize(before);
  await expectAccessible(page, name);
  if (opts.shots !== false) await shootAll(page, name);
}

/**
 * Runs an action that navigates (a click on a submit button, Enter in a
 * form) and waits for the new page's load event. Playwright's click does not
 * wait for the navigation it starts, and waitForLoadState() alone returns at
 * once for the page that is still showing.
 */
export async function navigates(page: Page, action: () => Promise<unknown>): Promise<void> {
  const loaded = page.waitForEvent('load');
  await action();
  await loaded;
}

/** Logs in on the demo intranet's own form (served through Gatehouse, a bypass path). */
export async function intranetLogin(page: Page, base: string, user: string, next = '/'): Promise<void> {
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await page.fill('#username', user);
  await page.fill('#password', `${user}-pw`);
  await navigates(page, () => page.click('button[type=submit]'));
}

/** Reads the QR code the way a phone does: from pixels, not from the page's source. */
export async function readQr(qr: Locator): Promise<string> {
  const png = PNG.sync.read(await qr.screenshot());
  const found = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
  if (!found) throw new Error('no QR code found in the screenshot of the QR block');
  return found.data;
}

export interface Otpauth {
  type: string;
  issuer: string;
  account: string;
  secret: string;
  params: URLSearchParams;
}

export function parseOtpauth(uri: string): Otpauth {
  const u = new URL(uri);
  expect(u.protocol).toBe('otpauth:');
  const label = decodeURIComponent(u.pathname.replace(/^\/+/, ''));
  const [issuer, account] = label.includes(':') ? label.split(':', 2) : ['', label];
  return { type: u.host, issuer: issuer ?? '', account: account ?? '', secret: u.searchParams.get('secret') ?? '', params: u.searchParams };
}

/** The code an authenticator shows at the stack's time. */
export function codeNow(stack: Stack, secret: string): string {
  return codeAt(secret, { now: stack.clock.t });
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * axe-core inside the page, in light and dark colour schemes (contrast differs).
 * Fails on any serious or critical violation, listing them so the failure says what to fix.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    // Not page.addScriptTag: that inlines a <script>, which Gatehouse's CSP
    // (script-src 'self') rightly blocks. Evaluation over the DevTools
    // protocol is outside the page's CSP, so the policy under test stays on.
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
    const violations = (await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: unknown[] }> } }).axe;
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations;
    })) as AxeViolation[];
    for (const v of violations) {
      if (v.impact === 'serious' || v.impact === 'critical') {
        found.push(`[${colorScheme}] ${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
      }
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  if (found.length > 0) throw new Error(`axe on the ${what} page found ${found.length} serious or critical violation(s):\n${found.join('\n')}`);
}

/**
 * Screenshots go to a scratch directory on every run (each page at 375 and
 * 1280 px, light and dark), so tests always exercise them without dirtying
 * the working tree; `UPDATE_SCREENSHOTS=1` also writes the chosen ones into
 * docs/screenshots/ for the README.
 */
export const SHOT_DIR = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'gatehouse-screenshots');
export const DOCS_SHOT_DIR = join(ROOT, 'docs', 'screenshots');
const UPDATE_DOCS = process.env.UPDATE_SCREENSHOTS === '1';

/** The few that go into the docs: name → which variants. */
export const DOCS_SHOTS: Record<string, readonly string[]> = {
  enrol: ['1280-light', '375-light', '375-dark'],
  'recovery-codes': ['1280-light'],
  challenge: ['1280-light', '375-light', '1280-dark'],
  recovery: ['375-dark'],
  locked: ['375-light'],
  error: ['1280-dark'],
  console: ['1280-light', '375-light'],
};

export const WIDTHS = [375, 1280] as const;
export const SCHEMES = ['light', 'dark'] as const;

/** Each of the four variants of the current page: full-page PNGs. */
export async function shootAll(page: Page, name: string): Promise<string[]> {
  const written: string[] = [];
  const before = page.viewportSize() ?? { width: 1280, height: 900 };
  mkdirSync(SHOT_DIR, { recursive: true });
  if (UPDATE_DOCS) mkdirSync(DOCS_SHOT_DIR, { recursive: true });
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width < 600 ? 812 : 900 });
    for (const scheme of SCHEMES) {
      await page.emulateMedia({ colorScheme: scheme });
      const variant = `${width}-${scheme}`;
      const png = await page.screenshot({ fullPage: true, animations: 'disabled', caret: 'hide' });
      const file = `${name}-${variant}.png`;
      writeFileSync(join(SHOT_DIR, file), png);
      written.push(join(SHOT_DIR, file));
      if (UPDATE_DOCS && DOCS_SHOTS[name]?.includes(variant)) writeFileSync(join(DOCS_SHOT_DIR, file), png);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(before);
  return written;
}

/** Path and query of the page the browser is on, relative to Gatehouse. */
export function where(page: Page): string {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

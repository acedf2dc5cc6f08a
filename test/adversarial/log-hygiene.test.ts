/**
 * Secrets hygiene (issue 6): after a whole session of everything that gets
 * logged — enrolment, codes right and wrong, recovery codes, a lockout, the
 * console, the API with good and bad tokens, HTTP Basic, a query-string token,
 * requests so malformed the HTTP parser rejects them — the log holds no TOTP
 * secret, code, recovery code, cookie value, CSRF token, password, key or API
 * token. The logger is the production one (src/ops createLogger, redaction
 * on) at its most talkative level, writing into memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/index.js';
import { Browser, inputValue } from '../helpers/client.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { csrfOf, loggedIn, PREFIX, raw, rawSend, totp } from './support.js';

const API_TOKEN = 'ci-token-0123456789abcdef0123456789abcdef';
const WRONG_API_TOKEN = 'not-the-token-9876543210fedcba9876543210';
const QUERY_TOKEN = 'qs-token-5f1c0a9b7e3d2c4b6a8f';
const COOKIE_KEY = 'test-cookie-key-0123456789abcdef';
const ENCRYPTION_KEY = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';

let stack: Stack;
const lines: string[] = [];
/** Every secret the session handled, with a label for the failure message. */
const secrets = new Map<string, string>();
/** Six-digit codes: matched as whole numbers, not inside longer ones. */
const codes = new Set<string>();

function keep(label: string, value: string | undefined, minLength = 8): void {
  if (value && value.length >= minLength) secrets.set(value, label);
}

function keepCookies(b: Browser, who: string): void {
  for (const [name, value] of b.jar) {
    keep(`${who}'s ${name} cookie`, value);
    // The signature alone is as good as the cookie to whoever can pair it with a payload.
    const sig = value.slice(value.lastIndexOf('.') + 1);
    if (sig !== value) keep(`${who}'s ${name} signature`, sig);
  }
}

function typed(stackNow: Stack, key: string, offset = 0): string {
  const c = totp(stackNow, key, offset);
  codes.add(c);
  return c;
}

/**
 * Each log line as searchable text, with any serialised Buffer turned back into
 * the bytes it carried, and a name for the line (its msg, or its error code).
 */
function records(): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  for (const line of lines.join('').split('\n')) {
    if (!line) continue;
    const parts = [line];
    let where = line.slice(0, 60);
    try {
      const rec = JSON.parse(line) as Record<string, unknown>;
      const err = rec.err as { code?: string } | undefined;
      where = `"${String(rec.msg ?? '')}"${err?.code ? ` (${err.code})` : ''} at level ${String(rec.level)}`;
      const walk = (v: unknown, path: string): void => {
        if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${path}[${i}]`));
        if (v && typeof v === 'object') {
          const o = v as Record<string, unknown>;
          if (o.type === 'Buffer' && Array.isArray(o.data)) {
            parts.push(Buffer.from(o.data as number[]).toString('latin1'));
            where += `, Buffer at ${path}`;
          }
          for (const [k, x] of Object.entries(o)) walk(x, path ? `${path}.${k}` : k);
        }
      };
      walk(rec, '');
    } catch {
      // Not JSON: searched as text.
    }
    out.push({ where, text: parts.join('\n') });
  }
  return out;
}

function haystack(): string {
  return records().map((r) => r.text).join('\n');
}

/** `label in <line>` for every secret found. */
function leaks(found: (text: string) => string[]): string[] {
  const out = new Set<string>();
  for (const r of records()) for (const label of found(r.text)) out.add(`${label} in ${r.where}`);
  return [...out];
}

beforeAll(async () => {
  stack = await startStack({
    logger: createLogger('trace', { write: (s: string) => void lines.push(s) }),
    config: {
      log: { level: 'trace', access: true },
      admin: { users: ['admin'], groups: [] },
      api: { tokens: [{ name: 'ci', token: API_TOKEN }] },
      twoFactor: { lockout: { maxFailures: 3, window: '5m', duration: '15m' } },
    },
  });
  keep('cookie key', COOKIE_KEY);
  keep('encryption key', ENCRYPTION_KEY);
  keep('API token', API_TOKEN);
  keep('wrong API token', WRONG_API_TOKEN);
  keep('query-string token', QUERY_TOKEN);
  for (const u of ['alice', 'bob', 'admin']) keep(`${u}'s intranet password`, `${u}-pw`, 6);

  // alice: enrolment, a remembered device, a wrong code, a recovery code.
  const a = await loggedIn(stack, 'alice');
  const page = await a.get(`${PREFIX}/enrol?rd=%2Freports`);
  const key = inputValue(page.body, 'manual-key')!.replace(/\s+/g, '');
  keep('TOTP secret', key);
  keep('TOTP secret (lower case)', key.toLowerCase());
  keep('alice csrf', inputValue(page.body, 'csrf'));
  keepCookies(a, 'alice');
  const done = await a.post(`${PREFIX}/enrol`, { csrf: inputValue(page.body, 'csrf')!, rd: '/reports', code: typed(stack, key) });
  const recovery = [...done.body.matchAll(/<li>([a-z0-9-]+)<\/li>/g)].map((m) => m[1]!);
  expect(recovery).toHaveLength(10);
  for (const r of recovery) {
    keep('recovery code', r);
    keep('recovery code (compact)', r.replace(/-/g, ''));
  }
  stack.clock.advance(30_000);
  const csrf = await csrfOf(a);
  await a.post(`${PREFIX}/challenge`, { csrf, rd: '/reports', code: typed(stack, key, 5) }); // wrong: far in the future
  await a.post(`${PREFIX}/challenge`, { csrf, rd: '/reports', code: typed(stack, key), remember: '1' });
  keepCookies(a, 'alice');
  await a.get('/reports');
  await a.post(`${PREFIX}/challenge`, { rd: '/reports', code: typed(stack, key) }); // CSRF refused
  const a2 = await loggedIn(stack, 'alice');
  keepCookies(a2, 'alice (2nd login)');
  await a2.post(`${PREFIX}/recovery`, { csrf: await csrfOf(a2, `${PREFIX}/recovery`), rd: '/', code: recovery[0]! });
  await a2.post(`${PREFIX}/recovery`, { csrf: await csrfOf(a2, `${PREFIX}/recovery`), rd: '/', code: recovery[0]! }); // used twice
  keepCookies(a2, 'alice (2nd login)');

  // admin: enrol, open the console, reset alice; then lock itself out with wrong codes.
  const ad = await loggedIn(stack, 'admin');
  const apage = await ad.get(`${PREFIX}/enrol`);
  const akey = inputValue(apage.body, 'manual-key')!.replace(/\s+/g, '');
  keep('admin TOTP secret', akey);
  await ad.post(`${PREFIX}/enrol`, { csrf: inputValue(apage.body, 'csrf')!, rd: '/', code: typed(stack, akey) });
  keepCookies(ad, 'admin');
  const usersPage = await ad.get(`${PREFIX}/admin/users`);
  const consoleCsrf = inputValue(usersPage.body, 'csrf');
  keep('console csrf', consoleCsrf);
  await ad.post(`${PREFIX}/admin/users/reset`, { csrf: consoleCsrf ?? '', user: 'alice' });
  await ad.post(`${PREFIX}/admin/users/reset`, { user: 'alice' }); // CSRF refused
  stack.clock.advance(30_000);
  const ad2 = await loggedIn(stack, 'admin');
  keepCookies(ad2, 'admin (2nd login)');
  const acsrf = await csrfOf(ad2);
  for (let i = 2; i <= 5; i++) await ad2.post(`${PREFIX}/challenge`, { csrf: acsrf, rd: '/', code: typed(stack, akey, i * 3) });

  // The API, with the right token and a wrong one.
  await raw(stack.url, { target: `${PREFIX}/api/users`, headers: [['Authorization', `Bearer ${API_TOKEN}`], ['Accept', 'application/json']] });
  await raw(stack.url, { method: 'POST', target: `${PREFIX}/api/users/alice/unlock`, headers: [['Authorization', `Bearer ${API_TOKEN}`]] });
  await raw(stack.url, { target: `${PREFIX}/api/users`, headers: [['Authorization', `Bearer ${WRONG_API_TOKEN}`]] });

  // bob: HTTP Basic, a token in the query string, a WebSocket.
  const basic = Buffer.from('bob:bob-pw').toString('base64');
  keep('Basic credential', basic);
  await raw(stack.url, { target: `/reports?token=${QUERY_TOKEN}`, headers: [['Authorization', `Basic ${basic}`]] });
  const bob = await loggedIn(stack, 'bob');
  keepCookies(bob, 'bob');
  await raw(stack.url, { target: `/echo?token=${QUERY_TOKEN}`, headers: [['Cookie', bob.cookieHeader()!]] });
  await raw(stack.url, { target: '/ws', headers: [['Cookie', a2.cookieHeader()!], ['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='], ['Sec-WebSocket-Version', '13']] });

  // Requests the HTTP parser itself rejects, carrying every cookie we have.
  const host = new URL(stack.url).host;
  const cookies = `${a.cookieHeader()!}; ${ad.cookieHeader()!}`;
  await rawSend(stack.url, `GET /secret HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookies}\r\nAuthorization: Bearer ${API_TOKEN}\r\nBad Header Line\r\n\r\n`).catch(() => undefined);
  await rawSend(stack.url, `GET /secret HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookies}\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`).catch(() => undefined);
  await rawSend(stack.url, `POST ${PREFIX}/challenge HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookies}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\ncode=${[...codes][0]}`).catch(() => undefined);
  // A form too large, with a code in it.
  await a2.post(`${PREFIX}/challenge`, { csrf: 'x', code: `${[...codes][0]}${'0'.repeat(70_000)}` });
  await new Promise((r) => setTimeout(r, 100));
}, 120_000);

afterAll(async () => stack?.close());

describe('the log after a whole session', () => {
  it('should have logged the session (the test watches the real thing)', () => {
    const text = haystack();
    for (const event of ['audit enrolled', 'audit verified', 'audit failed', 'audit recovery_used', 'audit reset', 'audit locked', '"access"']) {
      expect(text, event).toContain(event.replace(/"/g, ''));
    }
    expect(lines.length).toBeGreaterThan(50);
  });

  it('should refuse to log any secret, cookie, CSRF token, password, key or API token', () => {
    expect(leaks((text) => [...secrets].filter(([value]) => text.includes(value)).map(([, label]) => label))).toEqual([]);
  });

  it('should refuse to log any TOTP code that was typed', () => {
    expect(codes.size).toBeGreaterThan(5);
    expect(leaks((text) => [...codes].filter((c) => new RegExp(`(?<![0-9])${c}(?![0-9])`).test(text)).map((c) => `code ${c}`))).toEqual([]);
  });
});

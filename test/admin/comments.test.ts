import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startFileStack, type FileStack } from '../helpers/file-stack.js';
import { formFields, open, P, signedIn } from './helpers.js';

let stack: FileStack;
afterEach(async () => stack?.close());

/** A config as an operator writes it: comments everywhere, flow and block styles, keys the console never touches. */
const commented = (url: string, dataDir: string) => `# Gatehouse for the Example intranet, maintained by IT (ticket OPS-1234)
server:
  listen: 127.0.0.1:8080
  publicUrl: http://gatehouse.test   # what users type
  prefix: /_gatehouse
  dataDir: ${dataDir}

upstream:
  url: ${url}
  timeout: 5s

identity:
  source: lookup
  sessionCookie: sid
  lookup:
    path: /api/me
    user: { json: username }
    groups: { json: groups }
    roles: { json: roles }

twoFactor:
  # Pilot users first, everyone in January.
  enabledFor:
    users: [alice, admin]   # pilot users
    groups:
      - finance   # accounting asked for it
  enforce: true
  trustedIps:
    - 192.0.2.0/24   # head office
  lockout: { maxFailures: 5, window: 5m, duration: 15m }
  issuer: Test Intranet

bypass:
  - /login
  - /logout
  - /assets/**   # css and js
  - /favicon.ico

admin:
  users: [admin]

secrets:
  cookieKeys: ['test-cookie-key-0123456789abcdef']
  encryptionKey: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY='

metrics:
  listen: ""   # off until the dashboard exists
log: { level: silent, access: false }   # tests are quiet
pages:
  title: Test Intranet
`;

describe('saving into a hand-written config file', () => {
  it('should keep comments, key order and unrelated keys, change only the edited lines and keep a .bak', async () => {
    stack = await startFileStack({ yaml: commented });
    const original = readFileSync(stack.file, 'utf8');
    const { b } = await signedIn(stack);

    let page = await open(b, '/admin/trusted-ips');
    expect((await b.post(`${P}/admin/trusted-ips`, { ...formFields(page.res.body, `${P}/admin/trusted-ips`, 'value="add"'), entry: '10.1.0.0/16' })).status).toBe(200);
    expect(readFileSync(`${stack.file}.bak`, 'utf8')).toBe(original);

    page = await open(b, '/admin/settings');
    expect((await b.post(`${P}/admin/settings`, { ...formFields(page.res.body, `${P}/admin/settings`), lockoutWindow: '10m' })).status).toBe(200);
    page = await open(b, '/admin');
    expect((await b.post(`${P}/admin/scope`, { ...formFields(page.res.body, `${P}/admin/scope`, 'id="add-enabledFor-users"'), names: 'bob' })).status).toBe(200);

    const saved = readFileSync(stack.file, 'utf8');
    const before = original.split('\n');
    const after = saved.split('\n');
    expect(before.filter((l) => !after.includes(l))).toEqual([
      '    users: [alice, admin]   # pilot users',
      '  lockout: { maxFailures: 5, window: 5m, duration: 15m }',
    ]);
    expect(after.filter((l) => !before.includes(l))).toEqual([
      '    users: [ alice, admin, bob ] # pilot users',
      '    - 10.1.0.0/16',
      '  lockout: { maxFailures: 5, window: 10m, duration: 15m }',
    ]);
    // The backup is always the version just before the last save.
    expect(readFileSync(`${stack.file}.bak`, 'utf8')).not.toBe(original);
    expect(readFileSync(`${stack.file}.bak`, 'utf8')).toContain('window: 10m');
  });
});

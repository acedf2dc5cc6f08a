import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigReference } from '../../src/config/docs.js';
import { loadConfigFile } from '../../src/config/load.js';
import { summarize } from '../../src/config/summary.js';
import { configWith } from './helpers.js';

describe('config.example.yaml', () => {
  it('should load cleanly without any environment variable set', () => {
    const c = loadConfigFile('config.example.yaml', { env: {} });
    expect(c.upstream.url).toBe('http://127.0.0.1:8081');
    expect(c.server.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.server.publicUrl).toBe('http://localhost:8080');
    expect(c.identity.lookup).toMatchObject({ path: '/api/me', user: { json: 'username' }, groups: { json: 'groups' }, roles: { json: 'roles' } });
    expect(c.identity.sessionCookie).toBe('sid');
    expect(c.twoFactor.enabledFor).toEqual({ everyone: false, users: ['alice'], groups: ['finance'], roles: [] });
    expect(c.twoFactor.enforce).toBe(false);
    expect(c.twoFactor.skip.gracePeriodMs).toBe(14 * 86_400_000);
    expect(c.twoFactor.rememberDevices).toEqual({ enabled: true, days: 30 });
    expect(c.bypass).toEqual(['/login', '/assets/**', '/favicon.ico']);
    expect(c.admin.users).toEqual(['admin']);
    expect(c.store.type).toBe('sqlite');
    expect(c.server.dataDir).toBe(`${process.cwd()}/data`);
  });

  it('should take the encryption key from the environment when set', () => {
    const key = 'cd'.repeat(32);
    expect(loadConfigFile('config.example.yaml', { env: { GATEHOUSE_ENCRYPTION_KEY: key } }).secrets.encryptionKey).toBe(key);
  });
});

describe('docs/configuration.md', () => {
  it('should be in sync with the schema (run npm run docs:config)', () => {
    expect(readFileSync('docs/configuration.md', 'utf8')).toBe(renderConfigReference());
  });

  it('should document every key of the example file', () => {
    const doc = renderConfigReference();
    for (const key of ['server.publicUrl', 'identity.lookup.cacheTtl', 'twoFactor.skip.gracePeriod', 'twoFactor.rememberDevices.days', 'secrets.encryptionKey', 'pages.texts']) {
      expect(doc).toContain(`| \`${key}\` |`);
    }
  });
});

describe('summary', () => {
  it('should describe the example policy on one screen', () => {
    const text = summarize(loadConfigFile('config.example.yaml', { env: {} }));
    expect(text.split('\n').length).toBeLessThan(25);
    expect(text).toMatch(/Upstream\s+http:\/\/127\.0\.0\.1:8081 \(timeout 30s\)/);
    expect(text).toContain('asks the intranet GET /api/me: user from JSON field \'username\'');
    expect(text).toMatch(/In\sscope\s+users alice; groups finance/);
    expect(text).toMatch(/Set-up\s+optional: users may skip for 14d after the first prompt/);
    expect(text).toMatch(/Devices\s+remembered for 30 days/);
    expect(text).toMatch(/Bypass\s+\/login, \/assets\/\*\*, \/favicon\.ico/);
    expect(text).toMatch(/Admin\s+users admin/);
    expect(text).toMatch(/Store\s+sqlite in /);
  });

  it('should show the first trusted IPs and count the rest', () => {
    const ips = ['10.0.0.0/8', '10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16', '10.4.0.0/16', '10.5.0.0/16', 'fd00::/8'];
    const text = summarize(configWith({ twoFactor: { trustedIps: ips } }));
    expect(text).toMatch(/Trusted\sIPs\s+7: 10\.0\.0\.0\/8, 10\.1\.0\.0\/16, 10\.2\.0\.0\/16, 10\.3\.0\.0\/16, 10\.4\.0\.0\/16, … \(\+2 more\)/);
  });

  it('should warn when nobody is in scope', () => {
    expect(summarize(configWith({}))).toContain('nobody (twoFactor.enabledFor lists no one)');
  });

  it('should never print secrets', () => {
    const secret = 's'.repeat(40);
    const text = summarize(
      configWith({
        secrets: { cookieKeys: [secret], encryptionKey: 'ab'.repeat(32) },
        api: { tokens: [{ name: 'ci', token: secret }] },
        store: { type: 'redis', redis: { url: 'redis://:hunter2@redis:6379/0' } },
      }),
    );
    expect(text).not.toContain(secret);
    expect(text).not.toContain('abab');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('redis redis://:***@redis:6379/0');
    expect(text).toContain('API tokens ci');
  });
});

import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { configWith, reasons } from './helpers.js';

describe('defaults', () => {
  it('should fill every default of a minimal file', () => {
    const c = configWith({});
    expect(c.server).toEqual({
      listen: { host: '127.0.0.1', port: 8080 },
      publicUrl: 'http://localhost:8080',
      prefix: '/_gatehouse',
      dataDir: resolve('data'),
      workers: 0,
      tls: null,
      shutdownTimeoutMs: 10_000,
    });
    expect(c.upstream).toEqual({ url: 'http://127.0.0.1:8081', timeoutMs: 30_000, connections: 128 });
    expect(c.network.trustedProxies).toEqual([]);
    expect(c.identity).toEqual({
      source: 'lookup',
      sessionCookie: '',
      header: { user: 'X-Remote-User', groups: 'X-Remote-Groups', roles: 'X-Remote-Roles' },
      lookup: {
        path: '/api/me',
        user: { json: 'username' },
        groups: null,
        roles: null,
        cacheTtlMs: 30_000,
        timeoutMs: 5_000,
        anonymousStatuses: [401, 403],
      },
    });
    expect(c.twoFactor).toEqual({
      enabledFor: { everyone: false, users: [], groups: [], roles: [] },
      exempt: { users: [], groups: [], roles: [] },
      enforce: true,
      skip: { gracePeriodMs: null },
      rememberDevices: { enabled: true, days: 30 },
      trustedIps: [],
      enrolment: { allowFrom: 'anywhere' },
      issuer: 'Gatehouse',
      lockout: { maxFailures: 5, windowMs: 300_000, durationMs: 900_000 },
      session: { maxAgeMs: 43_200_000, idleTimeoutMs: 7_200_000 },
      totp: { algorithm: 'sha1', digits: 6, period: 30 },
    });
    expect(c.bypass).toEqual([]);
    expect(c.admin).toEqual({ users: [], groups: [] });
    expect(c.store).toEqual({ type: 'sqlite', redis: { url: 'redis://127.0.0.1:6379/0', keyPrefix: 'gatehouse:' } });
    expect(c.policy).toEqual({ source: 'file' });
    expect(c.secrets).toEqual({ cookieKeys: [], encryptionKey: '', previousEncryptionKeys: [] });
    expect(c.api).toEqual({ tokens: [] });
    expect(c.metrics).toEqual({ listen: '' });
    expect(c.pages).toEqual({
      title: 'Intranet',
      helpUrl: '',
      supportContact: '',
      logoUrl: '',
      accentColor: '#2457c5',
      language: '',
      texts: {},
    });
    expect(c.log).toEqual({ level: 'info', access: true });
  });

  it('should treat an empty section as all defaults', () => {
    const text = 'server:\n  publicUrl: http://localhost:8080\nupstream:\n  url: http://127.0.0.1:8081\nidentity:\n  lookup: { path: /me, user: { json: u } }\ntwoFactor:\nbypass:\n';
    const c = parseConfig(text, 'x.yaml', { env: {} });
    expect(c.twoFactor.enforce).toBe(true);
    expect(c.bypass).toEqual([]);
  });

  it('should report both required keys of an empty file against line 1', () => {
    expect(() => parseConfig('', 'empty.yaml', { env: {} })).toThrow(
      [
        'empty.yaml:1:1: server.publicUrl: missing required key',
        'empty.yaml:1:1: upstream.url: missing required key',
        "empty.yaml:1:1: identity.lookup.path: is required with identity.source 'lookup', e.g. /api/me",
        "empty.yaml:1:1: identity.lookup.user: is required with identity.source 'lookup', e.g. { json: username }",
      ].join('\n'),
    );
  });

  it('should refuse a file that is not a mapping', () => {
    expect(() => parseConfig('- a\n- b\n', 'list.yaml', { env: {} })).toThrow(
      'list.yaml:1:1: the file must be a mapping of keys (server:, upstream:, identity:, …), not a single value or a list',
    );
  });

  it('should deep-freeze the result', () => {
    const c = configWith({ bypass: ['/login'], pages: { texts: { en: { 'challenge.title': 'Hi' } } } });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.server.listen)).toBe(true);
    expect(Object.isFrozen(c.bypass)).toBe(true);
    expect(Object.isFrozen(c.pages.texts.en)).toBe(true);
    expect(() => {
      (c.bypass as string[]).push('/x');
    }).toThrow(TypeError);
    expect(() => {
      (c.twoFactor as { enforce: boolean }).enforce = false;
    }).toThrow(TypeError);
  });

  it('should resolve a relative dataDir against the config file, not the working directory', () => {
    const text = 'server:\n  publicUrl: http://localhost:8080\n  dataDir: ./state\nupstream:\n  url: http://127.0.0.1:8081\nidentity: { lookup: { path: /me, user: { json: u } } }\n';
    expect(parseConfig(text, '/etc/gatehouse/gatehouse.yaml', { env: {} }).server.dataDir).toBe('/etc/gatehouse/state');
    expect(parseConfig(text.replace('./state', '/var/lib/gatehouse'), '/etc/gatehouse/g.yaml', { env: {} }).server.dataDir).toBe(
      '/var/lib/gatehouse',
    );
  });

  it('should record the absolute path of the file', () => {
    expect(configWith({}).file).toBe(resolve('test.yaml'));
  });

  it('should normalise the public URL to its origin', () => {
    expect(configWith({ server: { publicUrl: 'HTTPS://Intranet.Example.com:443/' } }).server.publicUrl).toBe('https://intranet.example.com');
  });

  it('should keep empty secrets empty for the secrets module to generate', () => {
    expect(configWith({ secrets: { encryptionKey: '', cookieKeys: [] } }).secrets.encryptionKey).toBe('');
  });

  it('should accept hex and base64 encryption keys', () => {
    const hex = 'ab'.repeat(32);
    const b64 = Buffer.alloc(32, 7).toString('base64');
    const c = configWith({ secrets: { encryptionKey: hex, previousEncryptionKeys: [b64] } });
    expect(c.secrets.previousEncryptionKeys).toEqual([b64]);
  });

  it('should read extractors, TLS and API tokens', () => {
    const token = 't'.repeat(40);
    const c = configWith({
      server: { tls: { cert: 'cert.pem', key: 'key.pem' } },
      identity: { lookup: { user: { regex: 'Logged in as (\\w+)' }, groups: { header: 'X-Groups' }, roles: { json: 'me.roles' } } },
      api: { tokens: [{ name: 'ci', token }] },
    });
    expect(c.server.tls).toEqual({ cert: 'cert.pem', key: 'key.pem' });
    expect(c.identity.lookup.user).toEqual({ regex: 'Logged in as (\\w+)' });
    expect(c.identity.lookup.groups).toEqual({ header: 'X-Groups' });
    expect(c.identity.lookup.roles).toEqual({ json: 'me.roles' });
    expect(c.api.tokens).toEqual([{ name: 'ci', token }]);
  });

  it('should not need the lookup keys with header identity', () => {
    const c = configWith({ identity: { source: 'header', lookup: { path: '', user: null } }, network: { trustedProxies: ['10.0.0.2'] } });
    expect(c.identity.source).toBe('header');
  });

  it.each([
    [{ identity: { lookup: { anonymousStatuses: [401, 200] } } }, 'identity.lookup.anonymousStatuses[1]: must be at least 300, got 200'],
    [{ identity: { lookup: { anonymousStatuses: [502] } } }, 'identity.lookup.anonymousStatuses[0]: must be at most 499, got 502'],
    [{ twoFactor: { totp: { digits: 7 } } }, 'twoFactor.totp.digits: 7 is not one of: 6, 8'],
    [{ pages: { accentColor: 'blue' } }, "pages.accentColor: 'blue' is not a colour like #2457c5"],
    [{ pages: { texts: { english: { a: 'b' } } } }, "pages.texts.english: 'english' is not a language code like en or pt-BR"],
    [{ pages: { helpUrl: 'wiki/help' } }, "pages.helpUrl: 'wiki/help' is neither an http(s) URL nor a path starting with '/'"],
    [{ identity: { sessionCookie: 'my session' } }, "identity.sessionCookie: 'my session' is not a valid cookie name"],
    [{ server: { prefix: '/' } }, "server.prefix: '/' would hide the whole intranet; use a path such as /_gatehouse"],
    [{ server: { prefix: 'gate' } }, "server.prefix: 'gate' must start with '/'"],
    [{ store: { redis: { url: 'http://redis:6379' } } }, "store.redis.url: 'http://redis:6379' is not a redis:// or rediss:// URL"],
    [{ metrics: { listen: '127.0.0.1:8080' } }, 'metrics.listen: is the same address as server.listen (127.0.0.1:8080)'],
    [{ api: { tokens: [{ name: 'ci', token: 'short' }] } }, 'api.tokens[0].token: is too short (5 characters); use at least 32 random characters, e.g. openssl rand -base64 32'],
    [{ api: { tokens: [{ name: 'ci' }] } }, 'api.tokens[0].token: missing required key'],
    [{ identity: { lookup: { user: {} } } }, 'identity.lookup.user: expected one of { json: … }, { header: … }, { regex: … }'],
    [{ identity: { lookup: { user: 'username' } } }, "identity.lookup.user: expected one of { json: … }, { header: … }, { regex: … }, got 'username'"],
    [{ identity: { lookup: { user: { regex: 'Logged in as \\w+' } } } }, "identity.lookup.user.regex: 'Logged in as \\w+' has no capturing group; put ( ) around the value to extract, e.g. 'Logged in as (\\w+)'"],
    [{ bypass: ['/assets**'] }, "bypass[0]: '/assets**': '**' must be a whole path segment, as in /assets/**"],
  ])('should reject %j', (extra, reason) => {
    expect(reasons(() => configWith(extra))).toEqual([reason]);
  });

  it('should refuse aliases that expand without end', () => {
    const text = 'a: &a [x]\n' + Array.from({ length: 120 }, (_, i) => `k${i}: *a`).join('\n');
    expect(reasons(() => parseConfig(text, 'x.yaml', { env: {} }))).toContain('k100: more than 100 aliases; write the values out');
  });
});

describe('hostile keys', () => {
  it('should treat __proto__ and constructor as unknown keys without touching any prototype', () => {
    const text =
      'server: { publicUrl: "http://localhost:8080", __proto__: { polluted: true } }\nupstream: { url: "http://127.0.0.1:8081" }\n' +
      'identity: { lookup: { path: /me, user: { json: u } } }\nconstructor: 1\n';
    expect(reasons(() => parseConfig(text, 'x.yaml', { env: {} }))).toEqual([
      'server.__proto__: unknown key; expected one of: listen, publicUrl, prefix, dataDir, workers, tls, shutdownTimeout',
      'constructor: unknown key; expected one of: server, upstream, network, identity, twoFactor, bypass, admin, store, policy, secrets, api, metrics, pages, log',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('should keep a page text called __proto__ as an ordinary key', () => {
    const c = configWith({ pages: { texts: { en: JSON.parse('{"__proto__": "x", "a": "b"}') } } });
    expect(Object.keys(c.pages.texts.en!)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(c.pages.texts.en)).toBe(Object.prototype);
  });
});

/**
 * The one schema of the YAML config file (DESIGN section 8). It gives the
 * validator its rules, the loader its defaults and docs/configuration.md its
 * text; `load.ts` turns a file that passes it into a `GatehouseConfig`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { bool, extractor, int, item, list, requiredStr, section, str, strict, duration } from './schema-parts.js';
import { adminSchema, bypassSchema, pagesSchema, twoFactorSchema } from './schema-policy.js';

export { policySubsetSchema, POLICY_KEYS } from './schema-policy.js';

const server = section(
  {
    listen: str('127.0.0.1:8080', 'Address and port Gatehouse listens on (host:port; [::1]:8080 for IPv6).', { check: 'listen' }),
    publicUrl: requiredStr(
      'How users reach Gatehouse, e.g. https://intranet.example.com. https here makes cookies Secure.',
      { check: 'origin' },
    ),
    prefix: str('/_gatehouse', 'Path of Gatehouse\'s own pages, console, API and health check; never forwarded.', { check: 'prefix' }),
    dataDir: str('./data', 'Directory of the embedded store, generated secrets and gatehouse.pid; relative to the config file.', {
      check: 'name',
    }),
    workers: int(0, 'Worker processes; 0 = one per CPU core.', 0, 1024),
    tls: Type.Optional(
      Type.Union(
        [
          strict({
            cert: Type.String({ description: 'PEM certificate chain file.', 'x-check': 'name' }),
            key: Type.String({ description: 'PEM private key file.', 'x-check': 'name' }),
          }),
          Type.Null(),
        ],
        { default: null, description: 'Serve HTTPS directly; null when a load balancer terminates TLS.', 'x-docType': '{ cert, key } | null' },
      ),
    ),
    shutdownTimeout: duration('10s', 'On stop, how long open requests may finish before connections are closed.'),
  },
  'How Gatehouse itself is reached.',
);

const upstream = section(
  {
    url: requiredStr('The intranet that Gatehouse protects, e.g. http://127.0.0.1:8081.', { check: 'http-url' }),
    timeout: duration('30s', 'How long to wait for the intranet\'s response headers before answering 504.'),
    connections: int(128, 'Maximum open connections to the intranet.', 1, 65536),
  },
  'The intranet behind Gatehouse.',
);

const network = section(
  {
    trustedProxies: list(
      item({ check: 'ip-or-cidr' }),
      'Peers (IPs / CIDRs) allowed to set X-Forwarded-For and identity headers; from anyone else they are ignored.',
    ),
  },
  'Proxies and load balancers in front of Gatehouse.',
);

const identity = section(
  {
    source: Type.Optional(
      Type.Union([Type.Literal('lookup'), Type.Literal('header')], {
        default: 'lookup',
        description: 'lookup: ask the intranet who is logged in. header: trust headers set by a proxy in network.trustedProxies.',
      }),
    ),
    sessionCookie: str(
      '',
      'The intranet\'s login-session cookie: a new value is a new login and asks again. Empty for HTTP Basic intranets (the 2FA session is then bound to the Authorization credential).',
      { check: 'cookie-name', allowEmpty: true },
    ),
    header: section(
      {
        user: str('X-Remote-User', 'Header carrying the user name.', { check: 'header-name' }),
        groups: str('X-Remote-Groups', 'Header carrying comma-separated groups.', { check: 'header-name' }),
        roles: str('X-Remote-Roles', 'Header carrying comma-separated roles.', { check: 'header-name' }),
      },
      'Used with source: header.',
    ),
    lookup: section(
      {
        path: str('', 'Intranet path asked with the user\'s own Cookie / Authorization, e.g. /api/me. Required with source: lookup.', {
          check: 'request-path',
          allowEmpty: true,
        }),
        user: extractor('Where the user name is in the response. Required with source: lookup.'),
        groups: extractor('Where the groups are in the response; null = none.'),
        roles: extractor('Where the roles are in the response; null = none.'),
        cacheTtl: duration('30s', 'How long an identity is cached per credential (anonymous results are not cached).', true),
        timeout: duration('5s', 'How long to wait for the lookup; a timeout fails closed (503), never "anonymous".'),
        anonymousStatuses: list(
          Type.Integer({ minimum: 300, maximum: 499 }),
          'Response statuses that mean "not logged in" (3xx or 4xx; a 2xx or 5xx never does).',
          [401, 403],
        ),
      },
      'Used with source: lookup.',
    ),
  },
  'How Gatehouse learns who is logged in to the intranet.',
);

const store = section(
  {
    type: Type.Optional(
      Type.Union([Type.Literal('sqlite'), Type.Literal('redis')], {
        default: 'sqlite',
        description: 'sqlite: one file in dataDir, one process. redis: shared by several replicas.',
      }),
    ),
    redis: section(
      {
        url: str('redis://127.0.0.1:6379/0', 'Redis URL (redis:// or rediss://).', { check: 'redis-url' }),
        keyPrefix: str('gatehouse:', 'Prefix of every key Gatehouse writes.'),
      },
      'Used with type: redis, and by policy.source: redis.',
    ),
  },
  'Where enrolments, remembered devices, lockouts and the audit trail are kept.',
);

const policy = section(
  {
    source: Type.Optional(
      Type.Union([Type.Literal('file'), Type.Literal('redis')], {
        default: 'file',
        description: 'file: twoFactor, bypass, admin and pages come from this file. redis: from Redis, edited in the console.',
      }),
    ),
  },
  'Where the policy keys live and are edited.',
);

const secrets = section(
  {
    cookieKeys: list(
      item({ check: 'secret', secret: true }),
      'Keys signing cookies, newest first; the first signs, all verify. Empty: generated into dataDir.',
    ),
    encryptionKey: str('', 'Key encrypting TOTP secrets: 32 bytes as 64 hex or 44 base64 characters. Empty: generated into dataDir.', {
      check: 'encryption-key',
      allowEmpty: true,
      secret: true,
    }),
    previousEncryptionKeys: list(
      item({ check: 'encryption-key', secret: true }),
      'Older encryption keys that can still decrypt, during a key rotation.',
    ),
  },
  'Keys; use ${ENV} references rather than writing them in the file.',
);

const api = section(
  {
    tokens: list(
      strict({
        name: Type.String({ description: 'Who uses this token; shown in the audit trail.', 'x-check': 'name' }),
        token: Type.String({ description: 'Bearer token (at least 32 characters).', 'x-check': 'secret', 'x-secret': true }),
      }),
      'Bearer tokens accepted by the JSON API.',
    ),
  },
  'JSON API access for scripts.',
);

const metrics = section(
  {
    listen: str('', 'host:port serving Prometheus metrics (series gatehouse_*); empty = off.', { check: 'listen', allowEmpty: true }),
  },
  'Prometheus metrics.',
);

const log = section(
  {
    level: Type.Optional(
      Type.Union(
        [
          Type.Literal('fatal'),
          Type.Literal('error'),
          Type.Literal('warn'),
          Type.Literal('info'),
          Type.Literal('debug'),
          Type.Literal('trace'),
          Type.Literal('silent'),
        ],
        { default: 'info', description: 'Least severe level written.' },
      ),
    ),
    access: bool(true, 'Log one line per request.'),
  },
  'Logging (JSON lines on stdout).',
);

export const ConfigSchema = Type.Object(
  {
    server,
    upstream,
    network,
    identity,
    twoFactor: twoFactorSchema,
    bypass: bypassSchema,
    admin: adminSchema,
    store,
    policy,
    secrets,
    api,
    metrics,
    pages: pagesSchema,
    log,
  },
  { additionalProperties: false, description: 'Gatehouse configuration file.' },
);

/** The file after defaults are filled in, before durations are converted. */
export type RawConfig = Filled<Static<typeof ConfigSchema>>;

/** Every optional key present: what the validator returns once defaults are filled. */
export type Filled<T> = T extends readonly (infer U)[]
  ? Filled<U>[]
  : T extends object
    ? { -readonly [K in keyof T]-?: Filled<T[K]> }
    : T;

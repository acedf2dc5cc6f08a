/**
 * The policy part of the config schema: what admins change day to day
 * (who needs 2FA, trusted IPs, bypass paths, console access, page texts).
 * With `policy.source: redis` this part lives in Redis and is validated alone.
 */
import { Type } from '@sinclair/typebox';
import { DURATION_PATTERN } from './duration.js';
import { bool, duration, int, item, list, scopeLists, section, str } from './schema-parts.js';

export const twoFactorSchema = section(
  {
    enabledFor: section(
      {
        everyone: bool(false, 'Every identified user must use two-factor ("All registered" in the console).'),
        ...scopeLists('must use two-factor'),
      },
      'Who is in scope (console tab "Enable two-factor"). With nothing listed nobody is asked.',
    ),
    exempt: section(scopeLists('are never asked for a second factor, even when in scope'), 'Exceptions to enabledFor; exempt wins.'),
    enforce: bool(
      true,
      'true: in-scope users must set up two-factor at their next login. false: they may skip set-up (see skip.gracePeriod).',
    ),
    skip: section(
      {
        gracePeriod: Type.Optional(
          Type.Union([Type.String({ pattern: DURATION_PATTERN, 'x-check': 'duration', 'x-allowZero': true }), Type.Null()], {
            default: null,
            description: 'With enforce false: how long after the first prompt a user may keep skipping. Omit or null: forever.',
            'x-docType': 'duration | null',
          }),
        ),
      },
      'Skipping set-up when enforce is false.',
    ),
    rememberDevices: section(
      {
        enabled: bool(true, 'Do not ask again on a device verified within `days`. false: a new code at every intranet login.'),
        days: int(30, 'How long a device is remembered.', 1, 365),
      },
      'Remember verified devices (console "Settings: remember").',
    ),
    trustedIps: list(
      item({ check: 'ip-or-cidr' }),
      'IPs / CIDRs (IPv4, IPv6, IPv4-mapped) from which no code is asked and no set-up is prompted.',
    ),
    enrolment: section(
      {
        allowFrom: Type.Optional(
          Type.Union([Type.Literal('anywhere'), Type.Literal('trustedIps')], {
            default: 'anywhere',
            description: 'Where a first device may be set up. trustedIps stops a stolen password from enrolling an attacker\'s phone.',
          }),
        ),
      },
      'Enrolment of a first device.',
    ),
    issuer: str('Gatehouse', 'Label shown next to the account in authenticator apps.', { check: 'name' }),
    lockout: section(
      {
        maxFailures: int(5, 'Wrong codes allowed within `window` before the user is locked out.', 1, 100),
        window: duration('5m', 'Period over which wrong codes are counted.'),
        duration: duration('15m', 'How long a locked-out user must wait.'),
      },
      'Lockout after repeated wrong codes.',
    ),
    session: section(
      {
        maxAge: duration('12h', 'A verified 2FA session ends this long after the code was entered.'),
        idleTimeout: duration('2h', 'A verified 2FA session ends after this long without requests.'),
      },
      'Limits of a verified 2FA session (it also ends with the intranet session).',
    ),
    totp: section(
      {
        algorithm: Type.Optional(
          Type.Union([Type.Literal('sha1'), Type.Literal('sha256'), Type.Literal('sha512')], {
            default: 'sha1',
            description: 'HMAC algorithm. Only sha1 works in every authenticator app (Google Authenticator ignores others).',
          }),
        ),
        digits: Type.Optional(
          Type.Union([Type.Literal(6), Type.Literal(8)], { default: 6, description: 'Code length. 6 is what every app supports.' }),
        ),
        period: int(30, 'Seconds each code is valid. 30 is what every app supports.', 15, 300),
      },
      'TOTP parameters for new enrolments (RFC 6238). Change only if all your users\' apps support it.',
    ),
  },
  'Who must use two-factor and how (console tabs "Enable two-factor", "Settings", "Trusted IPs").',
);

export const bypassSchema = list(
  item({ check: 'bypass' }),
  'Path patterns forwarded without a second factor: first-factor pages, assets, health checks. `*` matches within one segment, `**` any number of segments.',
);

export const adminSchema = section(
  {
    users: list(item({ check: 'name' }), 'Users who may open the admin console.'),
    groups: list(item({ check: 'name' }), 'Groups whose members may open the admin console.'),
  },
  'Who may open the admin console (always behind a fresh second factor).',
);

export const pagesSchema = section(
  {
    title: str('Intranet', 'Name of your intranet, shown on Gatehouse pages.', { check: 'name' }),
    helpUrl: str('', 'Link to your own user guide; empty hides it.', { check: 'url-or-path', allowEmpty: true }),
    supportContact: str('', 'Who to contact, shown on "lost your device?"; empty hides it.'),
    logoUrl: str('', 'Logo shown on the pages (URL or path); empty shows none.', { check: 'url-or-path', allowEmpty: true }),
    accentColor: str('#2457c5', 'Accent colour of buttons and links.', { check: 'color' }),
    language: str('', 'Language of the pages; empty picks one from the browser\'s Accept-Language.', {
      check: 'language',
      allowEmpty: true,
    }),
    texts: Type.Optional(
      Type.Record(Type.String(), Type.Record(Type.String(), Type.String()), {
        default: {},
        description: 'Overrides of page texts per language: `{ en: { challenge.title: "…" } }`.',
        'x-keyCheck': 'language',
        'x-docType': 'map language → (map key → string)',
      }),
    ),
  },
  'Branding and texts of the challenge, enrolment and error pages.',
);

/** The keys that make up a policy document (`policy.source: redis`). */
export const POLICY_KEYS = ['twoFactor', 'bypass', 'admin', 'pages'] as const;

export const policySubsetSchema = Type.Object(
  { twoFactor: twoFactorSchema, bypass: bypassSchema, admin: adminSchema, pages: pagesSchema },
  { additionalProperties: false, description: 'A policy document: the policy keys of the config file, alone.' },
);

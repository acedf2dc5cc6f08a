/**
 * One-screen, human summary of the effective config for `gatehouse
 * check-config`: what an admin needs to confirm the policy does what they
 * meant. Never prints a secret.
 */
import { formatDuration } from './duration.js';
import type { Extractor, GatehouseConfig, ScopeLists } from './types.js';

const SHOWN_IPS = 5;

function scope(lists: ScopeLists): string {
  const parts: string[] = [];
  if (lists.users.length) parts.push(`users ${lists.users.join(', ')}`);
  if (lists.groups.length) parts.push(`groups ${lists.groups.join(', ')}`);
  if (lists.roles.length) parts.push(`roles ${lists.roles.join(', ')}`);
  return parts.join('; ');
}

function extractor(e: Extractor): string {
  if ('json' in e) return `JSON field '${e.json}'`;
  if ('header' in e) return `header ${e.header}`;
  return `regex /${e.regex}/`;
}

/** Redis URLs may carry a password. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function identityLines(c: GatehouseConfig): string[] {
  const id = c.identity;
  const lines: string[] = [];
  if (id.source === 'header') {
    lines.push(`headers ${id.header.user} / ${id.header.groups} / ${id.header.roles}, only from trusted proxies`);
  } else {
    const l = id.lookup;
    const reads = [`user from ${extractor(l.user)}`];
    if (l.groups) reads.push(`groups from ${extractor(l.groups)}`);
    if (l.roles) reads.push(`roles from ${extractor(l.roles)}`);
    lines.push(`asks the intranet GET ${l.path}: ${reads.join(', ')}`);
    lines.push(`anonymous on status ${l.anonymousStatuses.join('/') || '(none)'} or no user found; cached ${formatDuration(l.cacheTtlMs)}`);
  }
  lines.push(
    id.sessionCookie
      ? `bound to the intranet session cookie '${id.sessionCookie}': a new login asks again`
      : 'bound to the Authorization credential (no session cookie configured)',
  );
  return lines;
}

function policyLines(c: GatehouseConfig): [string, string][] {
  const tf = c.twoFactor;
  const inScope = tf.enabledFor.everyone
    ? 'everyone who is logged in'
    : scope(tf.enabledFor) || 'nobody (twoFactor.enabledFor lists no one): no second factor is ever asked';
  const grace = tf.skip.gracePeriodMs === null ? 'forever' : `for ${formatDuration(tf.skip.gracePeriodMs)} after the first prompt`;
  const ips = tf.trustedIps;
  const ipText = ips.length === 0
    ? 'none'
    : `${ips.length}: ${ips.slice(0, SHOWN_IPS).join(', ')}${ips.length > SHOWN_IPS ? `, … (+${ips.length - SHOWN_IPS} more)` : ''}`;
  const totp = tf.totp;
  const totpDefault = totp.algorithm === 'sha1' && totp.digits === 6 && totp.period === 30;
  return [
    ['In scope', inScope],
    ['Exempt', scope(tf.exempt) || 'none'],
    ['Set-up', tf.enforce ? 'enforced: in-scope users must set up at their next login' : `optional: users may skip ${grace}`],
    ['Devices', tf.rememberDevices.enabled ? `remembered for ${tf.rememberDevices.days} days` : 'not remembered: a code at every intranet login'],
    ['Trusted IPs', ips.length ? `${ipText} (no code, no set-up prompt)` : 'none'],
    ['Enrolment', tf.enrolment.allowFrom === 'anywhere' ? 'from anywhere' : 'only from trusted IPs'],
    ['Lockout', `${tf.lockout.maxFailures} wrong codes in ${formatDuration(tf.lockout.windowMs)} lock for ${formatDuration(tf.lockout.durationMs)}`],
    ['2FA session', `at most ${formatDuration(tf.session.maxAgeMs)}, ends after ${formatDuration(tf.session.idleTimeoutMs)} idle`],
    ['Codes', `${totp.algorithm}, ${totp.digits} digits, ${totp.period}s${totpDefault ? '' : ' (not every authenticator app supports this)'}; issuer '${tf.issuer}'`],
    ['Bypass', c.bypass.length ? c.bypass.join(', ') : 'none'],
    ['Admin', scope({ ...c.admin, roles: [] }) || 'nobody (admin lists no one): the console is closed'],
  ];
}

export function summarize(c: GatehouseConfig): string {
  const rows: [string, string | string[]][] = [
    ['Listen', `${c.server.tls ? 'https' : 'http'} on ${c.server.listen.host}:${c.server.listen.port}; users reach ${c.server.publicUrl}; own routes under ${c.server.prefix}`],
    ['Upstream', `${c.upstream.url} (timeout ${formatDuration(c.upstream.timeoutMs)})`],
    ['Proxies', c.network.trustedProxies.length ? c.network.trustedProxies.join(', ') : 'none trusted: X-Forwarded-For is ignored'],
    ['Identity', identityLines(c)],
    ...policyLines(c),
    ['Store', c.store.type === 'sqlite' ? `sqlite in ${c.server.dataDir}` : `redis ${redactUrl(c.store.redis.url)} (keys ${c.store.redis.keyPrefix}*)`],
    ['Policy', c.policy.source === 'file' ? 'from this file' : 'from Redis (the policy keys of this file are not used)'],
    [
      'Secrets',
      `encryption key ${c.secrets.encryptionKey ? 'set' : 'generated in dataDir'}` +
        (c.secrets.previousEncryptionKeys.length ? ` (+${c.secrets.previousEncryptionKeys.length} previous)` : '') +
        `; cookie keys ${c.secrets.cookieKeys.length ? c.secrets.cookieKeys.length : 'generated in dataDir'}` +
        `; API tokens ${c.api.tokens.length ? c.api.tokens.map((t) => t.name).join(', ') : 'none'}`,
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const out = [`Configuration ${c.file || '(built in code)'}`];
  for (const [label, value] of rows) {
    const [first, ...more] = Array.isArray(value) ? value : [value];
    out.push(`  ${label.padEnd(width)}${first}`);
    for (const line of more) out.push(`  ${' '.repeat(width)}${line}`);
  }
  return out.join('\n') + '\n';
}

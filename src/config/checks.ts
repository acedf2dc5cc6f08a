/**
 * Checks for the string formats the schema marks with `x-check`. Each returns
 * the reason a value is wrong, or null. Messages quote the value so the admin
 * sees what was read after `${…}` expansion — except secrets, never echoed.
 */
import ipaddr from 'ipaddr.js';
import { parseDuration } from './duration.js';

export type CheckName =
  | 'duration'
  | 'listen'
  | 'http-url'
  | 'origin'
  | 'url-or-path'
  | 'ip-or-cidr'
  | 'prefix'
  | 'request-path'
  | 'bypass'
  | 'regex'
  | 'json-path'
  | 'header-name'
  | 'cookie-name'
  | 'color'
  | 'language'
  | 'encryption-key'
  | 'secret'
  | 'redis-url'
  | 'name';

export interface CheckOptions {
  /** Durations: is `0s` meaningful here (e.g. "no cache")? */
  allowZero?: boolean;
}

/** Human names of the formats, for messages and the generated reference. */
export const CHECK_LABELS: Record<CheckName, string> = {
  duration: 'duration',
  listen: 'host:port',
  'http-url': 'http(s) URL',
  origin: 'http(s) origin',
  'url-or-path': 'URL or /path',
  'ip-or-cidr': 'IP or CIDR',
  prefix: 'path prefix',
  'request-path': 'path',
  bypass: 'path pattern',
  regex: 'regular expression',
  'json-path': 'JSON field path',
  'header-name': 'header name',
  'cookie-name': 'cookie name',
  color: 'CSS hex colour',
  language: 'language code',
  'encryption-key': 'secret (32 bytes)',
  secret: 'secret',
  'redis-url': 'redis URL',
  name: 'string',
};

const MAX_DURATION_MS = 3650 * 86_400_000;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * Strict parser for addresses: ipaddr.js alone also takes `10`, `127.1` and
 * `0x7f.1` (legacy inet_aton forms) which nobody means in a trusted-IP list.
 */
export function parseIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (IPV4.test(text)) return ipaddr.IPv4.parse(text);
  if (text.includes(':') && !text.includes('%') && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return null;
}

function checkIpOrCidr(v: string): string | null {
  const example = 'e.g. 10.0.0.0/8, 192.168.1.10, fd00::/8 or ::ffff:10.0.0.0/104';
  const slash = v.indexOf('/');
  const addr = parseIp(slash < 0 ? v : v.slice(0, slash));
  if (!addr) return `'${v}' is not an IP address or CIDR range (${example})`;
  if (slash < 0) return null;
  const bits = v.slice(slash + 1);
  const max = addr.kind() === 'ipv4' ? 32 : 128;
  if (!/^(?:0|[1-9]\d{0,2})$/.test(bits) || Number(bits) > max) {
    return `'${v}': prefix length must be a number from 0 to ${max} for ${addr.kind() === 'ipv4' ? 'IPv4' : 'IPv6'}`;
  }
  // A /0 here would switch the protection off for the whole Internet; nobody means that.
  if (Number(bits) === 0) return `'${v}' matches every address; list the networks you actually trust`;
  return null;
}

function checkListen(v: string): string | null {
  const bad = `'${v}' is not host:port, e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080`;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(v);
  if (!m) return bad;
  const host = m[1] ?? m[2]!;
  if (m[1] !== undefined ? !ipaddr.IPv6.isValid(host) : !/^[A-Za-z0-9.-]+$/.test(host)) return bad;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return `'${v}': port must be from 1 to 65535`;
  return null;
}

function parseHttpUrl(v: string): URL | null {
  if (!/^https?:\/\//i.test(v)) return null;
  try {
    const url = new URL(v);
    return url.hostname ? url : null;
  } catch {
    return null;
  }
}

function checkRegex(v: string): string | null {
  let re: RegExp;
  try {
    re = new RegExp(v);
  } catch (e) {
    return `invalid regular expression: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
  // Matching the empty alternative reveals how many groups the pattern has.
  const groups = new RegExp(`${re.source}|`).exec('')!.length - 1;
  if (groups === 0) return `'${v}' has no capturing group; put ( ) around the value to extract, e.g. 'Logged in as (\\w+)'`;
  return null;
}

function checkBypass(v: string): string | null {
  if (!v.startsWith('/')) return `'${v}' must start with '/'`;
  if (/[\s#]/.test(v)) return `'${v}' must not contain spaces or '#'`;
  if (v === '/**') return `'/**' matches every path: nobody would be asked for a second factor`;
  if (v.split('/').some((seg) => seg.includes('**') && seg !== '**')) {
    return `'${v}': '**' must be a whole path segment, as in /assets/**`;
  }
  return null;
}

function checkEncryptionKey(v: string): string | null {
  if (/^[0-9a-fA-F]{64}$/.test(v)) return null;
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v) && Buffer.from(v, 'base64').length === 32) return null;
  return `must be 32 random bytes written as 64 hex characters or 44 base64 characters (got ${v.length} characters); e.g. openssl rand -base64 32`;
}

export function runCheck(name: CheckName, v: string, opts: CheckOptions = {}): string | null {
  switch (name) {
    case 'duration': {
      const ms = parseDuration(v);
      if (ms === null) return `'${v}' is not a duration; write a number and a unit: 500ms, 30s, 15m, 12h or 30d`;
      if (ms === 0 && !opts.allowZero) return `'${v}' must be longer than zero`;
      if (ms > MAX_DURATION_MS) return `'${v}' is longer than 10 years`;
      return null;
    }
    case 'listen':
      return checkListen(v);
    case 'http-url':
      return parseHttpUrl(v) ? null : `'${v}' is not an absolute http:// or https:// URL, e.g. http://127.0.0.1:8081`;
    case 'origin': {
      const url = parseHttpUrl(v);
      if (!url) return `'${v}' is not an absolute http:// or https:// URL, e.g. https://intranet.example.com`;
      if (url.username || url.password || url.search || url.hash || url.pathname !== '/') {
        return `'${v}' must be only scheme://host[:port], e.g. https://intranet.example.com`;
      }
      return null;
    }
    case 'url-or-path':
      return v.startsWith('/') || parseHttpUrl(v) ? null : `'${v}' is neither an http(s) URL nor a path starting with '/'`;
    case 'ip-or-cidr':
      return checkIpOrCidr(v);
    case 'prefix':
      if (!v.startsWith('/')) return `'${v}' must start with '/'`;
      if (v === '/') return `'/' would hide the whole intranet; use a path such as /_gatehouse`;
      if (v.endsWith('/')) return `'${v}' must not end with '/'`;
      return /^[A-Za-z0-9._~/-]+$/.test(v) && !v.includes('//') ? null : `'${v}' may only contain letters, digits, '.', '_', '~', '-' and single '/'`;
    case 'request-path':
      return v.startsWith('/') && !/\s/.test(v) ? null : `'${v}' must be a path starting with '/' (no spaces)`;
    case 'bypass':
      return checkBypass(v);
    case 'regex':
      return checkRegex(v);
    case 'json-path':
      return /^[^.\s]+(?:\.[^.\s]+)*$/.test(v) ? null : `'${v}' is not a field path like 'username' or 'user.groups'`;
    case 'header-name':
      return TOKEN.test(v) ? null : `'${v}' is not a valid HTTP header name`;
    case 'cookie-name':
      return TOKEN.test(v) && !/[=;,]/.test(v) ? null : `'${v}' is not a valid cookie name`;
    case 'color':
      return /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(v) ? null : `'${v}' is not a colour like #2457c5`;
    case 'language':
      return /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/.test(v) ? null : `'${v}' is not a language code like en or pt-BR`;
    case 'encryption-key':
      return checkEncryptionKey(v);
    case 'secret':
      return v.length >= 32 ? null : `is too short (${v.length} characters); use at least 32 random characters, e.g. openssl rand -base64 32`;
    case 'redis-url':
      return /^rediss?:\/\/[^\s]*$/.test(v) ? null : `'${v}' is not a redis:// or rediss:// URL`;
    case 'name':
      return v.trim() === '' ? 'must not be empty' : null;
  }
}

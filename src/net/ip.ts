/**
 * Strict IP address parsing shared by the client-IP resolver and CIDR sets.
 *
 * Hand-written rather than ipaddr.js because it runs on every request and
 * because ipaddr.js is deliberately lenient (`010.1.1.1` is octal 8.1.1.1,
 * `10.1` is 10.0.0.1, `::1.2.3.4` becomes IPv4-mapped): a forwarded-for
 * entry that two parsers read differently is exactly how IP rules get
 * bypassed, so only the unambiguous forms are accepted here.
 */

/**
 * Four-part decimal IPv4 (`1.2.3.4`, no leading zeros) between `from` and
 * `to` of `s`, as an unsigned 32-bit number; -1 when anything else.
 */
export function parseV4(s: string, from = 0, to = s.length): number {
  if (to - from < 7 || to - from > 15) return -1;
  let value = 0;
  let parts = 0;
  let octet = 0;
  let digits = 0;
  let leadingZero = false;
  for (let i = from; i <= to; i++) {
    const c = i === to ? 46 /* virtual final '.' */ : s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || octet > 255) return -1;
      value = value * 256 + octet;
      parts++;
      octet = 0;
      digits = 0;
      leadingZero = false;
    } else if (c >= 48 && c <= 57) {
      // `010` is octal to inet_aton and decimal to others: refuse both readings.
      if (leadingZero) return -1;
      if (digits === 0 && c === 48) leadingZero = true;
      octet = octet * 10 + (c - 48);
      if (++digits > 3) return -1;
    } else {
      return -1;
    }
  }
  return parts === 4 ? value : -1;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * RFC 4291 text form (with `::` and an optional dotted IPv4 tail) into eight
 * 16-bit groups in `out`. No zone ids and no brackets: neither belongs in a
 * forwarded-for entry or a config IP rule. Returns false when invalid.
 */
export function parseV6(s: string, out: Uint16Array): boolean {
  const n = s.length;
  if (n < 2 || n > 45) return false;
  let groups = 0;
  let gap = -1; // group index where '::' stands
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    const start = i;
    let value = 0;
    let digits = 0;
    let h: number;
    while (i < n && (h = hexValue(s.charCodeAt(i))) >= 0) {
      value = value * 16 + h;
      i++;
      if (++digits > 4) break;
    }
    if (i < n && s.charCodeAt(i) === 46) {
      // Dotted IPv4 tail: it must end the string and fill the last two groups.
      if (groups > 6) return false;
      const v4 = parseV4(s, start, n);
      if (v4 < 0) return false;
      out[groups++] = v4 >>> 16;
      out[groups++] = v4 & 0xffff;
      i = n;
      break;
    }
    if (digits === 0 || digits > 4 || groups >= 8) return false;
    out[groups++] = value;
    if (i === n) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (i < n && s.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = groups;
      i++;
    } else if (i === n) {
      return false; // a single trailing ':'
    }
  }
  if (gap < 0) return groups === 8;
  if (groups > 7) return false;
  // Slide the groups written after '::' to the end and zero the gap.
  const tail = groups - gap;
  for (let k = 0; k < tail; k++) out[7 - k] = out[groups - 1 - k]!;
  for (let k = gap; k < 8 - tail; k++) out[k] = 0;
  return true;
}

/** True when the eight groups are ::ffff:a.b.c.d (IPv4-mapped, RFC 4291 2.5.5.2). */
export function isMappedV4(g: Uint16Array): boolean {
  return g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
}

export function formatV4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** ipaddr.js `toNormalizedString` form: eight lowercase groups, no padding, no `::`. */
export function formatV6(g: Uint16Array): string {
  return `${g[0]!.toString(16)}:${g[1]!.toString(16)}:${g[2]!.toString(16)}:${g[3]!.toString(16)}:${g[4]!.toString(16)}:${g[5]!.toString(16)}:${g[6]!.toString(16)}:${g[7]!.toString(16)}`;
}

const scratch = new Uint16Array(8);

/**
 * The canonical text of an address, or '' when `s` is not a strict address:
 * IPv4 as four-part decimal (returned as the same string, no allocation),
 * IPv4-mapped IPv6 unwrapped to IPv4, other IPv6 in ipaddr.js normalized form.
 */
export function canonicalIp(s: string): string {
  if (parseV4(s) >= 0) return s;
  if (s.indexOf(':') < 0 || !parseV6(s, scratch)) return '';
  if (isMappedV4(scratch)) return formatV4(((scratch[6]! << 16) | scratch[7]!) >>> 0);
  return formatV6(scratch);
}

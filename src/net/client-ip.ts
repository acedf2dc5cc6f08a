/**
 * The client address the policy sees (DESIGN section 3, step 2).
 *
 * X-Forwarded-For is client-controlled except for the hops our own proxies
 * appended, so it is read only when the socket peer is a trusted proxy, and
 * then only from the right: each trusted proxy appends the address it saw, so
 * the right-most hop that is not one of ours is the last one anybody we trust
 * vouches for. Everything left of it is whatever the client chose to send.
 *
 * Unparseable hops (Authentik CVE-2024-47070: an XFF entry such as `a` made
 * policy evaluation skip the password stage) stop the walk and yield ''
 * (unknown): '' matches no IP rule and no trusted network. We do not fall back
 * to the last trusted proxy, because sites often list the network their load
 * balancers live in as trusted, and that would hand trust to the garbage.
 */
import { CidrSet } from '../policy/cidr.js';
import { canonicalIp } from './ip.js';

export type ClientIpResolver = (socketAddress: string | undefined, xForwardedFor: string | string[] | undefined) => string;

/** More hops than any real proxy chain; past this the header is an attack, and '' it is. */
const MAX_HOPS = 32;

export function createClientIpResolver(trustedProxies: readonly string[]): ClientIpResolver {
  const trusted = new CidrSet(trustedProxies);
  const anyTrusted = trusted.size > 0;

  return (socketAddress, xForwardedFor) => {
    if (socketAddress === undefined) return '';
    // Node reports link-local peers with a zone (`fe80::1%eth0`); the zone
    // says which interface, not who, so it is dropped.
    const zone = socketAddress.indexOf('%');
    const peer = canonicalIp(zone < 0 ? socketAddress : socketAddress.slice(0, zone));
    if (peer === '' || !anyTrusted || xForwardedFor === undefined || !trusted.has(peer)) return peer;
    // A proxy that sent no hop at all means the proxy itself is the client.
    if (isBlank(xForwardedFor)) return peer;

    // Several header lines are one comma-separated list, in order (RFC 9110
    // 5.3): walk the lines from the last, each from its end, without joining.
    let result = peer;
    let hops = 0;
    const single = typeof xForwardedFor === 'string';
    for (let li = single ? 0 : xForwardedFor.length - 1; li >= 0; li--) {
      const line = single ? xForwardedFor : xForwardedFor[li]!;
      let end = line.length;
      for (;;) {
        const comma = end === 0 ? -1 : line.lastIndexOf(',', end - 1);
        if (++hops > MAX_HOPS) return '';
        const hop = canonicalIp(trimOws(line, comma + 1, end));
        if (hop === '') return ''; // see the module comment: never guess past garbage
        result = hop;
        if (!trusted.has(hop)) return hop;
        if (comma < 0) break;
        end = comma;
      }
    }
    // Every hop was one of our proxies: the left-most is the client.
    return result;
  };
}

function isBlank(header: string | string[]): boolean {
  if (typeof header === 'string') return isBlankLine(header);
  for (const line of header) if (!isBlankLine(line)) return false;
  return true;
}

function isBlankLine(line: string): boolean {
  for (let i = 0; i < line.length; i++) if (!isOws(line.charCodeAt(i))) return false;
  return true;
}

/** `line[from, to)` without the optional whitespace (SP / HTAB) that list syntax allows around commas. */
function trimOws(line: string, from: number, to: number): string {
  while (from < to && isOws(line.charCodeAt(from))) from++;
  while (to > from && isOws(line.charCodeAt(to - 1))) to--;
  return from === 0 && to === line.length ? line : line.slice(from, to);
}

function isOws(c: number): boolean {
  return c === 32 || c === 9;
}

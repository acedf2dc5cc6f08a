import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSafeReturnPath, safeReturnPath } from '../../src/net/return-path.js';

const PREFIX = '/_gatehouse';
const ORIGIN = 'http://gate.example';

describe('safeReturnPath', () => {
  it.each([
    '/',
    '/wiki/Home',
    '/search?q=a%2Fb&x=1',
    '/a/b?next=//evil',
    '/docs/My%20File.pdf',
    '/page#section',
    '/_gatehousex',
    '/x/_gatehouse',
    '/caf%C3%A9',
    '/_gatehouse/admin',
    '/_gatehouse/admin/users?q=al',
  ])('should keep the same-origin path %j', (p) => {
    expect(safeReturnPath(p, PREFIX)).toBe(p);
  });

  // Open-redirect corpus: each would leave the origin in some browser, loop
  // into Gatehouse's own pages, or smuggle a header.
  it.each([
    [undefined, 'missing'],
    ['', 'empty'],
    ['//evil.example', 'protocol-relative'],
    ['//evil.example/path', 'protocol-relative with path'],
    ['///evil.example', 'triple slash'],
    ['/\\evil.example', 'slash backslash'],
    ['\\\\evil.example', 'double backslash'],
    ['\\/evil.example', 'backslash slash'],
    ['/%5Cevil.example', 'encoded backslash'],
    ['/%5cevil.example', 'encoded backslash, lowercase'],
    ['/%2F%2Fevil.example', 'encoded double slash'],
    ['/%2f/evil.example', 'encoded slash'],
    ['/%09/evil.example', 'encoded tab'],
    ['/\t/evil.example', 'raw tab (browsers drop it)'],
    ['/\n/evil.example', 'raw newline'],
    ['/\r\n/evil.example', 'raw CRLF'],
    ['/x%0d%0aSet-Cookie:%20a=b', 'encoded CRLF'],
    ['/x?a=%0d%0aSet-Cookie:b', 'encoded CRLF in the query'],
    ['/x?a=\r\nb', 'raw CRLF in the query'],
    ['/x?a=\\b', 'backslash in the query'],
    ['/x?a=%5C', 'encoded backslash in the query'],
    ['/x\\y', 'backslash in the path'],
    ['/ /evil.example', 'space'],
    ['/\u0000', 'NUL'],
    ['/%00', 'encoded NUL'],
    ['https://evil.example', 'absolute URL'],
    ['http:evil.example', 'scheme without slashes'],
    ['https:/evil.example', 'scheme with one slash'],
    ['javascript:alert(1)', 'javascript scheme'],
    ['JavaScript:alert(1)', 'javascript scheme, mixed case'],
    ['data:text/html,<script>', 'data scheme'],
    ['evil.example', 'relative'],
    ['./x', 'dot-relative'],
    ['?x', 'query only'],
    ['#x', 'fragment only'],
    [' /x', 'leading space'],
    ['/\u3002evil', 'non-ASCII'],
    ['/_gatehouse', 'the prefix itself'],
    ['/_gatehouse/', 'under the prefix'],
    ['/_gatehouse/challenge?return=/x', 'a Gatehouse page'],
    ['/_GATEHOUSE/challenge', 'the prefix in other case'],
    ['/%5Fgatehouse/challenge', 'the prefix with an escaped _'],
    ['/x/../_gatehouse/enrol', 'the prefix after dot segments'],
    ['/x/%2e%2e/_gatehouse/enrol', 'the prefix after encoded dot segments'],
    ['/./_gatehouse', 'the prefix after a dot segment'],
    ['/_gatehouse/Admin', 'the console in other case'],
    ['/_gatehouse/x/../admin', 'the console after dot segments'],
    ['/_gatehouse/adminx', 'a look-alike of the console'],
    ['/a%', 'malformed escape'],
    ['/a?b=%zz', 'malformed escape in the query'],
    ['/%c0%ae%c0%ae/', 'overlong UTF-8'],
    ['/' + 'a'.repeat(2048), 'over 2048 characters'],
  ])('should refuse %j (%s)', (p, _why) => {
    expect(isSafeReturnPath(p, PREFIX)).toBe(false);
    expect(safeReturnPath(p, PREFIX)).toBe('/');
  });

  it('should accept exactly 2048 characters', () => {
    expect(isSafeReturnPath('/' + 'a'.repeat(2047), PREFIX)).toBe(true);
  });

  it('should handle a prefix written with a trailing slash', () => {
    expect(isSafeReturnPath('/_gatehouse/x', '/_gatehouse/')).toBe(false);
    expect(isSafeReturnPath('/other', '/_gatehouse/')).toBe(true);
  });

  const unit = fc.constantFrom(
    '/', '/', '\\', '.', '..', 'a', '_gatehouse', '_GATEHOUSE', '%5F', '%2e', '%2F', '%5C', '%09', '%0a', '\t', '\n', ' ',
    '?', '#', ':', '@', 'evil.example', 'http:', 'javascript:', '%', '%25', '%40', ';', '&', '=', '\u3002', '\uff0f',
  );
  const candidates = fc.array(unit, { maxLength: 16 }).map((parts) => parts.join(''));

  it('should only accept paths that resolve on our origin and outside the prefix (property)', () => {
    fc.assert(
      fc.property(fc.oneof(candidates, fc.string()), (p) => {
        const r = safeReturnPath(p, PREFIX);
        const url = new URL(r, ORIGIN);
        expect(url.origin).toBe(ORIGIN);
        const path = decodeURIComponent(url.pathname).toLowerCase();
        expect(path === PREFIX || path.startsWith(PREFIX + '/')).toBe(false);
        if (r !== '/') expect(r).toBe(p);
      }),
      { numRuns: 30_000 },
    );
  });
});

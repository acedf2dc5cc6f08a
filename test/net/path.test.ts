import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalisePath } from '../../src/net/path.js';

const ok = (path: string) => ({ ok: true, path });

describe('normalisePath', () => {
  it.each([
    ['/', '/'],
    ['/login', '/login'],
    ['/assets/app.css', '/assets/app.css'],
    ['/.well-known/security.txt', '/.well-known/security.txt'],
    ['/a/b/', '/a/b/'],
    ['/login;jsessionid=x', '/login;jsessionid=x'],
    ['/files/My%20Document.pdf', '/files/My%20Document.pdf'],
    ['/a/.../b', '/a/.../b'],
  ])('should return the ordinary path %s unchanged', (raw, want) => {
    const r = normalisePath(raw);
    expect(r).toEqual(ok(want));
    if (r.ok) expect(r.path).toBe(raw);
  });

  it.each([
    ['/assets/../secret', '/secret'],
    ['/a/./b', '/a/b'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/..', '/'],
    ['/../a', '/a'],
    ['/.', '/'],
    ['/a/b/c/./../../g', '/a/g'],
    ['//a//b', '/a/b'],
    ['/a//', '/a/'],
    ['/%7Euser/%41bc', '/~user/Abc'],
    ['/a%2db%5Fc%2E', '/a-b_c.'],
    ['/q%3a%40x', '/q%3A%40x'],
    ['/caf%c3%a9', '/caf%C3%A9'],
    ['/%F0%9F%98%80', '/%F0%9F%98%80'],
    ['/100%25', '/100%25'],
    ['/a%25z', '/a%25z'],
  ])('should normalise %s to %s', (raw, want) => {
    expect(normalisePath(raw)).toEqual(ok(want));
  });

  it.each([
    ['', 'empty'],
    ['login', 'not starting with /'],
    ['*', 'asterisk form'],
    ['http://evil/x', 'absolute form'],
    ['/assets/%2e%2e/secret', 'encoded dot-dot'],
    ['/assets/%2E%2E%2Fsecret', 'encoded dot-dot and slash'],
    ['/assets/.%2E/secret', 'half-encoded dot-dot'],
    ['/assets/%2e/secret', 'encoded dot'],
    ['/a%2Fb', 'encoded slash'],
    ['/a%2fb', 'encoded slash, lowercase'],
    ['/a%5Cb', 'encoded backslash'],
    ['/a\\b', 'backslash'],
    ['/assets\\..\\secret', 'backslash dot-dot'],
    ['//assets/../secret', 'duplicate slash with dot segments'],
    ['/x//../y', 'empty segment before dot-dot'],
    ['/assets/..;/secret', 'Tomcat ..;'],
    ['/assets/..%3B/secret', 'encoded ..%3B (frameworks that decode before stripping parameters)'],
    ['/assets/..%3bjsessionid=1/secret', 'encoded ..%3b with a parameter'],
    ['/assets/.%3B/secret', 'encoded .%3B'],
    ['/assets/.;/secret', 'Tomcat .;'],
    ['/..;', 'bare ..;'],
    ['/x/%2e%2e;/y', 'encoded ..;'],
    ['/login;jsessionid=x/../secret', '; parameter before dot-dot'],
    ['/login%3Bx/../secret', 'encoded ; before dot-dot'],
    ['/login%23/../secret', 'encoded #'],
    ['/login#/../secret', 'raw #'],
    ['/a#b', 'raw # alone'],
    ['/a?b', 'a query that was not split off'],
    ['/a%00b', 'encoded NUL'],
    ['/a%0d%0aSet-Cookie:x', 'encoded CRLF'],
    ['/a%09b', 'encoded tab'],
    ['/a%7Fb', 'encoded DEL'],
    ['/a\u0000b', 'raw NUL'],
    ['/a b', 'raw space'],
    ['/a\tb', 'raw tab'],
    ['/a\u00e9', 'raw non-ASCII'],
    ['/a%', 'truncated escape'],
    ['/a%4', 'truncated escape'],
    ['/a%zz', 'non-hex escape'],
    ['/%c0%ae%c0%ae/secret', 'overlong dot'],
    ['/%c0%af', 'overlong slash'],
    ['/%e0%80%ae', 'three-byte overlong'],
    ['/%ed%a0%80', 'UTF-16 surrogate'],
    ['/%f4%90%80%80', 'beyond U+10FFFF'],
    ['/%c3', 'truncated UTF-8'],
    ['/%c3x', 'UTF-8 interrupted by a raw character'],
    ['/%80', 'lone continuation byte'],
    ['/%ff', 'invalid byte'],
    ['/assets/%252e%252e/secret', 'double encoding'],
    ['/a%25%41', 'double encoding via a second escape'],
  ])('should refuse %j (%s)', (raw) => {
    const r = normalisePath(raw);
    expect(r.ok).toBe(false);
  });

  it('should explain why it refused', () => {
    expect(normalisePath('/a%2Fb')).toEqual({ ok: false, reason: 'encoded / or \\ in path' });
  });

  const pathChars = fc.constantFrom(
    '/', '/', '.', '..', 'a', 'Z', '~', ';', '%', '%2e', '%2E', '%2f', '%41', '%7e', '%25', '%c3%a9', '%c0', '%ae',
    '\\', '#', ' ', '?', '%00', 'x=1', '-', '_', '%3b', '%23',
  );
  const paths = fc.array(pathChars, { maxLength: 24 }).map((parts) => '/' + parts.join(''));

  it('should never throw and always return a fixed point (property)', () => {
    fc.assert(
      fc.property(fc.oneof(paths, fc.string(), fc.string({ unit: 'binary' })), (raw) => {
        const r = normalisePath(raw);
        if (r.ok) {
          const again = normalisePath(r.path);
          expect(again).toEqual(r);
          expect(r.path.startsWith('/')).toBe(true);
          expect(r.path).not.toMatch(/\/\/|(^|\/)\.\.?(\/|$)/);
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it('should agree with the WHATWG URL parser on every path it accepts (property)', () => {
    fc.assert(
      fc.property(paths, (raw) => {
        const r = normalisePath(raw);
        if (!r.ok) return;
        // The browser's resolution of the accepted path lands on the same
        // segments (modulo empty ones, which we collapse).
        const url = new URL('http://gate.example' + raw); // a request-target, not a reference
        const collapse = (p: string) => p.replace(/\/{2,}/g, '/');
        const decodeUnreserved = (p: string) =>
          p.replace(/%([0-9a-fA-F]{2})/g, (m, h: string) => {
            const c = String.fromCharCode(parseInt(h, 16));
            return /[A-Za-z0-9\-._~]/.test(c) ? c : m.toUpperCase();
          });
        expect(collapse(decodeUnreserved(url.pathname))).toBe(r.path);
      }),
      { numRuns: 20_000 },
    );
  });
});

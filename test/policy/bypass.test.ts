import { describe, expect, it } from 'vitest';
import { normalisePath } from '../../src/net/path.js';
import { compileBypass } from '../../src/policy/bypass.js';

const bypass = compileBypass(['/login', '/assets/**', '/users/*/avatar', '/static/*.css', '/health']);

describe('bypass patterns', () => {
  it.each<[string, string | null]>([
    ['/login', '/login'],
    ['/login/', null],
    ['/login/x', null],
    ['/loginx', null],
    ['/LOGIN', null],
    ['/login;jsessionid=x', null],
    ['/assets/', '/assets/**'],
    ['/assets/app.js', '/assets/**'],
    ['/assets/a/b/c.png', '/assets/**'],
    ['/assets', null],
    ['/assetsx', null],
    ['/assetsx/y', null],
    ['/Assets/app.js', null],
    ['/users/bob/avatar', '/users/*/avatar'],
    ['/users//avatar', null],
    ['/users/bob/x/avatar', null],
    ['/users/bob/avatar/x', null],
    ['/static/site.css', '/static/*.css'],
    ['/static/a/site.css', null],
    ['/static/site.css.map', null],
    ['/health', '/health'],
    ['/', null],
  ])('should match %j to %j', (path, want) => {
    expect(bypass.match(path)).toBe(want);
  });

  it('should treat regular-expression characters in patterns literally', () => {
    const b = compileBypass(['/a.b/*', '/c+(d)/**']);
    expect(b.match('/a.b/x')).toBe('/a.b/*');
    expect(b.match('/aXb/x')).toBeNull();
    expect(b.match('/c+(d)/e')).toBe('/c+(d)/**');
  });

  it('should let /** match every path', () => {
    expect(compileBypass(['/**']).match('/anything/at/all')).toBe('/**');
  });

  it.each([
    ['login', 'must start with /'],
    ['/a/**/b', "'**' is only allowed as the last segment"],
    ['/a**', "'**' is only allowed as the last segment"],
    ['/a/../b', "write it normalised, as '/b'"],
    ['/%7Euser', "write it normalised, as '/~user'"],
    ['/a%2Fb', 'encoded /'],
  ])('should refuse the pattern %j with a message naming it', (pattern, why) => {
    expect(() => compileBypass([pattern])).toThrow(`bypass pattern '${pattern}': ${why}`);
  });
});

// What a request path gets through to: normalise first (400 when refused), then match.
function route(raw: string): string {
  const n = normalisePath(raw);
  if (!n.ok) return '400';
  return bypass.match(n.path) ?? `2fa ${n.path}`;
}

describe('bypass after normalisation', () => {
  it.each([
    ['/assets/../secret', '2fa /secret'],
    ['/assets/./app.js', '/assets/**'],
    ['/assets//app.js', '/assets/**'],
    ['/%61ssets/app.js', '/assets/**'],
    ['/x/../login', '/login'],
    ['/login/', '2fa /login/'],
    ['/LOGIN', '2fa /LOGIN'],
    ['/assets/%2e%2e/secret', '400'],
    ['/assets/%2E%2E%2Fsecret', '400'],
    ['/assets/.%2e/secret', '400'],
    ['//assets/../secret', '400'],
    ['/assets//../secret', '400'],
    ['/assets/..;/secret', '400'],
    ['/login;jsessionid=x/../secret', '400'],
    ['/login%23/../secret', '400'],
    ['/login#/../secret', '400'],
    ['/assets/%c0%ae%c0%ae/secret', '400'],
    ['/assets/%252e%252e/secret', '400'],
    ['/assets\\..\\secret', '400'],
    ['/assets/..%5Csecret', '400'],
    ['/assets/..%2fsecret', '400'],
    ['/assets/%00/../secret', '400'],
  ])('should route %j to %s', (raw, want) => {
    expect(route(raw)).toBe(want);
  });
});

import { describe, expect, it } from 'vitest';
import { interpolate } from '../../src/config/interpolate.js';
import { parseConfig } from '../../src/config/load.js';
import { configError, configWith, reasons } from './helpers.js';

const KEY = 'a'.repeat(64);

describe('${ENV} interpolation', () => {
  it('should substitute a set variable', () => {
    expect(interpolate('${HOST}:8080', { HOST: '10.0.0.1' }).value).toBe('10.0.0.1:8080');
  });

  it('should use the default when the variable is unset or empty', () => {
    expect(interpolate('${PORT:-8080}', {}).value).toBe('8080');
    expect(interpolate('${PORT:-8080}', { PORT: '' }).value).toBe('8080');
    expect(interpolate('${PORT:-8080}', { PORT: '9000' }).value).toBe('9000');
    expect(interpolate('${KEY:-}', {}).value).toBe('');
  });

  it('should report an unset variable without a default', () => {
    expect(interpolate('x${A}y${B}', { A: '1' })).toMatchObject({ value: 'x1y', missing: ['B'] });
  });

  it('should keep $${ as a literal ${', () => {
    expect(interpolate('cost: $${PRICE}', {})).toMatchObject({ value: 'cost: ${PRICE}', missing: [], substituted: false });
  });

  it('should flag malformed references', () => {
    expect(interpolate('${MY-KEY}', {}).malformed).toEqual(['${MY-KEY}']);
    expect(interpolate('${UNCLOSED', {}).malformed).toEqual(['${UNCLOSED']);
  });

  it('should fill config values from the environment', () => {
    const c = configWith(
      { upstream: { url: 'http://${UPSTREAM_HOST}:8081' }, secrets: { encryptionKey: '${GH_KEY}' } },
      { UPSTREAM_HOST: 'intranet.local', GH_KEY: KEY },
    );
    expect(c.upstream.url).toBe('http://intranet.local:8081');
    expect(c.secrets.encryptionKey).toBe(KEY);
  });

  it('should name the unset variable, with the line of the value', () => {
    const text = 'server:\n  publicUrl: http://localhost:8080\nupstream:\n  url: ${INTRANET_URL}\nidentity: { lookup: { path: /me, user: { json: u } } }\n';
    const err = configError(() => parseConfig(text, 'gh.yaml', { env: {} }));
    expect(err.message).toBe('gh.yaml:4:8: upstream.url: environment variable INTRANET_URL is not set (write ${INTRANET_URL:-} to allow it to be empty)');
  });

  it('should turn variables into numbers and booleans where the key needs one', () => {
    const c = configWith(
      { twoFactor: { enforce: '${ENFORCE}', rememberDevices: { days: '${DAYS}' }, totp: { digits: '${DIGITS}' } } },
      { ENFORCE: 'false', DAYS: '14', DIGITS: '8' },
    );
    expect(c.twoFactor.enforce).toBe(false);
    expect(c.twoFactor.rememberDevices.days).toBe(14);
    expect(c.twoFactor.totp.digits).toBe(8);
  });

  it('should not turn quoted text into numbers when it did not come from a variable', () => {
    expect(reasons(() => configWith({ twoFactor: { rememberDevices: { days: '14' } } }))).toEqual([
      "twoFactor.rememberDevices.days: expected a whole number, got '14'",
    ]);
  });

  it('should read an empty variable as "forever" for the grace period', () => {
    expect(configWith({ twoFactor: { skip: { gracePeriod: '${GRACE:-}' } } }).twoFactor.skip.gracePeriodMs).toBeNull();
  });

  it('should never echo a secret in a message', () => {
    const err = configError(() => configWith({ secrets: { encryptionKey: '${GH_KEY}', cookieKeys: [12345678901234567890123456789012345] } }, { GH_KEY: 'hunter2-hunter2' }));
    expect(err.message).not.toContain('hunter2');
    expect(err.message).not.toMatch(/1234|e\+34/);
    expect(err.problems).toHaveLength(2);
  });
});

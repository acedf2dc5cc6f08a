import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/config/duration.js';
import { configWith, reasons } from './helpers.js';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['12h', 43_200_000],
    ['30d', 2_592_000_000],
    ['1h30m', 5_400_000],
    ['0s', 0],
  ])('should read %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', 's', '30 s', '30S', '1.5h', '-5m', '5 minutes', '30sec', '1w', 'ms30', '99999999999999d'])(
    'should reject %j',
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );

  it.each([
    [0, '0s'],
    [500, '500ms'],
    [1_209_600_000, '14d'],
    [5_400_000, '1h30m'],
  ])('should format %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('should convert every duration of the config to ms', () => {
    const c = configWith({
      server: { shutdownTimeout: '500ms' },
      upstream: { timeout: '1m' },
      identity: { lookup: { cacheTtl: '0s', timeout: '2s' } },
      twoFactor: { skip: { gracePeriod: '14d' }, lockout: { window: '10m', duration: '1h' }, session: { maxAge: '8h', idleTimeout: '30m' } },
    });
    expect(c.server.shutdownTimeoutMs).toBe(500);
    expect(c.upstream.timeoutMs).toBe(60_000);
    expect(c.identity.lookup.cacheTtlMs).toBe(0);
    expect(c.identity.lookup.timeoutMs).toBe(2_000);
    expect(c.twoFactor.skip.gracePeriodMs).toBe(14 * 86_400_000);
    expect(c.twoFactor.lockout).toEqual({ maxFailures: 5, windowMs: 600_000, durationMs: 3_600_000 });
    expect(c.twoFactor.session).toEqual({ maxAgeMs: 28_800_000, idleTimeoutMs: 1_800_000 });
  });

  it('should read an omitted or null grace period as forever', () => {
    expect(configWith({}).twoFactor.skip.gracePeriodMs).toBeNull();
    expect(configWith({ twoFactor: { skip: { gracePeriod: null } } }).twoFactor.skip.gracePeriodMs).toBeNull();
  });

  it('should refuse a zero duration where zero makes no sense', () => {
    expect(reasons(() => configWith({ twoFactor: { session: { maxAge: '0s' } } }))).toEqual([
      "twoFactor.session.maxAge: '0s' must be longer than zero",
    ]);
  });

  it('should refuse durations of more than ten years', () => {
    expect(reasons(() => configWith({ twoFactor: { lockout: { duration: '4000d' } } }))).toEqual([
      "twoFactor.lockout.duration: '4000d' is longer than 10 years",
    ]);
  });
});

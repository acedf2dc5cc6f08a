/**
 * The TOTP parameters an authenticator app is provisioned with. Defaults are
 * the only set every supported app honours (DESIGN section 2): apps such as
 * older Google Authenticator builds silently ignore `algorithm`/`digits`.
 */
export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpParams {
  algorithm: TotpAlgorithm;
  digits: 6 | 7 | 8;
  /** Seconds per time-step. */
  period: number;
}

export const TOTP_DEFAULTS: Readonly<TotpParams> = Object.freeze({ algorithm: 'sha1', digits: 6, period: 30 });

/** Fills defaults and rejects impossible values: a bad value here is a programming or config error, so it throws. */
export function totpParams(p: Partial<TotpParams> = {}): TotpParams {
  const algorithm = p.algorithm ?? TOTP_DEFAULTS.algorithm;
  const digits = p.digits ?? TOTP_DEFAULTS.digits;
  const period = p.period ?? TOTP_DEFAULTS.period;
  if (algorithm !== 'sha1' && algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new RangeError(`totp: algorithm must be sha1, sha256 or sha512 but it is '${String(algorithm)}'`);
  }
  if (digits !== 6 && digits !== 7 && digits !== 8) {
    throw new RangeError(`totp: digits must be 6, 7 or 8 but it is '${String(digits)}'`);
  }
  if (!Number.isInteger(period) || period < 1 || period > 3600) {
    throw new RangeError(`totp: period must be a whole number of seconds from 1 to 3600 but it is '${String(period)}'`);
  }
  return { algorithm, digits, period };
}

/** TOTP for Gatehouse: secrets, otpauth URIs and QR codes, code verification (the caller adds the replay guard), recovery codes, and encryption of secrets at rest. */
export { TOTP_DEFAULTS, totpParams, type TotpAlgorithm, type TotpParams } from './params.js';
export { newSecret, formatManualKey } from './secret.js';
export { otpauthUri, qrSvg, type OtpauthInput, type QrOptions } from './uri.js';
export { verifyCode, normaliseCode, codeAt, type VerifyOptions, type VerifyResult } from './verify.js';
export {
  generateRecoveryCodes,
  normaliseRecoveryCode,
  hashRecoveryCode,
  RECOVERY_CODE_COUNT,
} from './recovery.js';
export { createSealer, generateKey, parseKey, SealError, type Sealer } from './crypto.js';

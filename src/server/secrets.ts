/**
 * Secrets the operator did not set are generated once into dataDir (mode
 * 0600) so a first run needs no set-up. Replicas sharing Redis must share
 * secrets, so there they are required in the config instead.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GatehouseConfig } from '../config/types.js';
import { generateKey } from '../totp/index.js';

export interface ResolvedSecrets {
  cookieKeys: string[];
  encryptionKey: string;
  previousEncryptionKeys: string[];
}

function readOrCreate(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = make();
  writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
  return value;
}

export function resolveSecrets(config: GatehouseConfig): ResolvedSecrets {
  const s = config.secrets;
  const missing = [s.cookieKeys.length === 0 ? 'secrets.cookieKeys' : '', s.encryptionKey ? '' : 'secrets.encryptionKey'].filter(Boolean);
  if (missing.length && config.store.type === 'redis') {
    throw new Error(
      `GH_ERR_SECRETS: ${missing.join(' and ')} must be set in ${config.file || 'the config'} when store.type is redis: ` +
        'every replica must sign cookies and decrypt secrets with the same keys.',
    );
  }
  if (missing.length) mkdirSync(config.server.dataDir, { recursive: true, mode: 0o700 });
  const cookieKeys = s.cookieKeys.length
    ? [...s.cookieKeys]
    : [readOrCreate(join(config.server.dataDir, 'cookie.key'), () => randomBytes(32).toString('base64url'))];
  const encryptionKey = s.encryptionKey || readOrCreate(join(config.server.dataDir, 'encryption.key'), generateKey);
  return { cookieKeys, encryptionKey, previousEncryptionKeys: [...s.previousEncryptionKeys] };
}

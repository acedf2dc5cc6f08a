/**
 * The SQLite schema history, in order. Kept as TypeScript modules exporting
 * SQL (not .sql files) so the compiled dist/ carries them without a copy step.
 */
import { sql as m001 } from './001_init.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [{ version: 1, name: 'init', sql: m001 }];

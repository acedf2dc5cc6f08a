/**
 * The SQLite schema history, in order. Kept as TypeScript modules exporting
 * SQL (not .sql files) so the compiled dist/ carries them without a copy step.
 */
import type Database from 'better-sqlite3';
import { sql as m001 } from './001_init.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [{ version: 1, name: 'init', sql: m001 }];

/** Applies every migration newer than the file's user_version, inside one write transaction so concurrent starters run it once. */
export function migrate(db: Database.Database): void {
  const latest = migrations.at(-1)?.version ?? 0;
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > latest) {
      throw new Error(`gatehouse.db schema version ${current} is newer than this Gatehouse understands (${latest}); upgrade Gatehouse`);
    }
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
}

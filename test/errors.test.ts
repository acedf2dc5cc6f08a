import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS, renderErrorsDoc } from '../src/errors.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('error registry', () => {
  it('should keep docs/errors.md generated from the registry', () => {
    expect(readFileSync('docs/errors.md', 'utf8')).toBe(renderErrorsDoc());
  });

  it('should document every GH_ERR_ code the HTTP edge answers with', () => {
    const used = new Set<string>();
    for (const file of sources('src/gate').concat(sources('src/flow'), sources('src/proxy'), sources('src/admin'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/'(GH_ERR_[A-Z_]+)'/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(5);
    for (const code of used) expect(Object.keys(ERRORS), `${code} is answered but not in src/errors.ts`).toContain(code);
  });
});

/**
 * Writes docs/configuration.md from the schema: `node dist/src/config/gen-docs.js [out]`
 * (wired as `npm run docs:config`). A test fails when the file is stale.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderConfigReference } from './docs.js';

const out = resolve(process.argv[2] ?? 'docs/configuration.md');
writeFileSync(out, renderConfigReference());
process.stdout.write(`wrote ${out}\n`);

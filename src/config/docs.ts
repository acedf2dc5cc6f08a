/**
 * Markdown reference of every config key, generated from the schema so the
 * documentation cannot drift from what the loader accepts.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { CHECK_LABELS, type CheckName } from './checks.js';
import { ConfigSchema } from './schema.js';

interface Row {
  path: string;
  type: string;
  default: string;
  description: string;
}

const kw = <T>(s: TSchema, key: string): T => (s as unknown as Record<string, unknown>)[key] as T;
const kindOf = (s: TSchema): string => (s as unknown as Record<symbol, string>)[Kind] ?? '';

const INTRO = `# Configuration reference

<!-- Generated from src/config/schema.ts by \`npm run docs:config\`; do not edit by hand. -->

Gatehouse reads one YAML file (\`gatehouse serve --config FILE\`). Start from
[config.example.yaml](../config.example.yaml), which is commented throughout, and
check your changes with \`gatehouse check-config --config FILE\`: it reports every
mistake at once as \`FILE:LINE:COL: key.path: reason\` and prints a summary of the
effective policy. An invalid file on reload (\`SIGHUP\`, \`gatehouse reload\`, the
console button) is rejected and the running configuration stays in force.

- **Only \`upstream.url\` and \`server.publicUrl\` are required**; with
  \`identity.source: lookup\` (the default) so are \`identity.lookup.path\` and
  \`identity.lookup.user\`. Every other key has the default shown below.
- **Durations** are a number and a unit: \`500ms\`, \`30s\`, \`15m\`, \`12h\`, \`30d\`
  (combinations such as \`1h30m\` work too).
- **Environment variables**: \`\${NAME}\` in any string value is replaced by the
  variable's value; an unset variable is an error. \`\${NAME:-default}\` uses
  \`default\` when it is unset or empty (\`\${NAME:-}\`: empty). \`$\${\` writes a literal \`\${\`.
  Numbers and booleans may come from variables too (\`days: \${REMEMBER_DAYS}\`).
- **Unknown keys are errors**, with a suggestion for the key you probably meant.
- **Relative paths** (\`server.dataDir\`) are relative to the config file.
- **Empty secrets** are generated into \`server.dataDir\` on first run.
- **Policy keys** (\`twoFactor\`, \`bypass\`, \`admin\`, \`pages\`) may live in Redis
  instead (\`policy.source: redis\`); the same rules apply there.
`;

function typeOf(s: TSchema): string {
  const docType = kw<string | undefined>(s, 'x-docType');
  if (docType) return docType;
  switch (kindOf(s)) {
    case 'String': {
      const check = kw<CheckName | undefined>(s, 'x-check');
      return check ? CHECK_LABELS[check] : 'string';
    }
    case 'Integer': {
      const min = kw<number | undefined>(s, 'minimum');
      const max = kw<number | undefined>(s, 'maximum');
      return min !== undefined && max !== undefined ? `integer ${min}–${max}` : 'integer';
    }
    case 'Boolean':
      return 'boolean';
    case 'Object':
      return 'mapping';
    case 'Array': {
      const items = kw<TSchema>(s, 'items');
      return kindOf(items) === 'Object' ? 'list of mappings' : `list of ${typeOf(items)}`;
    }
    case 'Union':
      return kw<TSchema[]>(s, 'anyOf')
        .map((m) => (kindOf(m) === 'Literal' ? JSON.stringify(kw<unknown>(m, 'const')).replace(/"/g, '') : typeOf(m)))
        .join(' | ');
    default:
      return kindOf(s).toLowerCase();
  }
}

function yamlish(v: unknown): string {
  if (v === '') return '""';
  if (Array.isArray(v)) return `[${v.map(yamlish).join(', ')}]`;
  if (v !== null && typeof v === 'object') return Object.keys(v).length === 0 ? '{}' : JSON.stringify(v);
  return String(v);
}

function defaultOf(s: TSchema, required: boolean): string {
  if (required) return '**required**';
  if (kindOf(s) === 'Object') return '';
  return 'default' in s ? `\`${yamlish(kw<unknown>(s, 'default'))}\`` : '';
}

function walk(s: TSchema, path: string, required: boolean, out: Row[]): void {
  out.push({ path, type: typeOf(s), default: defaultOf(s, required), description: kw<string | undefined>(s, 'description') ?? '' });
  const kind = kindOf(s);
  if (kind === 'Object') {
    const props = kw<Record<string, TSchema>>(s, 'properties');
    const requiredKeys = kw<string[] | undefined>(s, 'required') ?? [];
    for (const [key, child] of Object.entries(props)) walk(child, `${path}.${key}`, requiredKeys.includes(key), out);
  } else if (kind === 'Array' && kindOf(kw<TSchema>(s, 'items')) === 'Object') {
    const props = kw<Record<string, TSchema>>(kw<TSchema>(s, 'items'), 'properties');
    for (const [key, child] of Object.entries(props)) walk(child, `${path}[].${key}`, true, out);
  } else if (kind === 'Union') {
    // Describe the parts of an optional mapping (server.tls), not each form of an extractor.
    const objects = kw<TSchema[]>(s, 'anyOf').filter((m) => kindOf(m) === 'Object');
    if (objects.length === 1) {
      for (const [key, child] of Object.entries(kw<Record<string, TSchema>>(objects[0]!, 'properties'))) {
        walk(child, `${path}.${key}`, true, out);
      }
    }
  }
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The whole reference as markdown: an intro, then one table per top-level key. */
export function renderConfigReference(): string {
  const parts = [INTRO];
  const props = kw<Record<string, TSchema>>(ConfigSchema, 'properties');
  parts.push('## Sections\n\n' + Object.keys(props).map((k) => `- [\`${k}\`](#${k.toLowerCase()})`).join('\n') + '\n');
  for (const [key, section] of Object.entries(props)) {
    const rows: Row[] = [];
    walk(section, key, false, rows);
    const [head, ...rest] = rows;
    const lines = [`## ${key}`, ''];
    // A section that is a single key gets its description in the table only.
    if (rest.length === 0) rest.push(head!);
    else lines.push(head!.description, '');
    lines.push('| Key | Type | Default | Description |', '| --- | --- | --- | --- |');
    for (const r of rest) {
      lines.push(`| \`${r.path}\` | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.description)} |`);
    }
    parts.push(lines.join('\n') + '\n');
  }
  return parts.join('\n');
}

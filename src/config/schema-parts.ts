/**
 * Small builders for the config schema so every property states its type,
 * default and description the same way. Non-standard keywords (`x-check`,
 * `x-allowEmpty`, `x-secret`, …) drive our validator's checks and the
 * generated reference; JSON-Schema tools ignore them.
 */
import { Type, type TProperties, type TSchema } from '@sinclair/typebox';
import type { CheckName } from './checks.js';
import { DURATION_PATTERN } from './duration.js';

export interface StringOptions {
  check?: CheckName;
  /** '' is accepted and means "not set" even though `check` would reject it. */
  allowEmpty?: boolean;
  /** Never echoed in messages or summaries. */
  secret?: boolean;
  minLength?: number;
}

function extra(o: StringOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o.check) out['x-check'] = o.check;
  if (o.allowEmpty) out['x-allowEmpty'] = true;
  if (o.secret) out['x-secret'] = true;
  if (o.minLength !== undefined) out.minLength = o.minLength;
  return out;
}

/** A required string (no default): the config is invalid without it. */
export const requiredStr = (description: string, o: StringOptions = {}) =>
  Type.String({ description, ...extra(o) });

export const str = (def: string, description: string, o: StringOptions = {}) =>
  Type.Optional(Type.String({ default: def, description, ...extra(o) }));

/** A string in a list (its description and default live on the list). */
export const item = (o: StringOptions = {}) => Type.String(extra(o));

export const bool = (def: boolean, description: string) =>
  Type.Optional(Type.Boolean({ default: def, description }));

export const int = (def: number, description: string, minimum: number, maximum: number) =>
  Type.Optional(Type.Integer({ default: def, description, minimum, maximum }));

export const duration = (def: string, description: string, allowZero = false) =>
  Type.Optional(
    Type.String({
      default: def,
      description,
      pattern: DURATION_PATTERN,
      'x-check': 'duration',
      ...(allowZero ? { 'x-allowZero': true } : {}),
    }),
  );

export const list = <T extends TSchema>(items: T, description: string, def: unknown[] = []) =>
  Type.Optional(Type.Array(items, { default: def, description }));

/** A nested mapping whose keys all have defaults, so the whole section may be omitted. */
export const section = <T extends TProperties>(properties: T, description: string) =>
  Type.Optional(Type.Object(properties, { additionalProperties: false, default: {}, description }));

/** A mapping inside a list or union (no default of its own). */
export const strict = <T extends TProperties>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });

/** Users / groups / roles lists shared by `enabledFor` and `exempt`; `what` completes "Users who …". */
export const scopeLists = (what: string) => ({
  users: list(item({ check: 'name' }), `Users who ${what} (names as the intranet reports them).`),
  groups: list(item({ check: 'name' }), `Groups whose members ${what}.`),
  roles: list(item({ check: 'name' }), `Roles whose holders ${what}.`),
});

/** `{ json: path }` | `{ header: name }` | `{ regex: pattern }`, optional (null = not read). */
export const extractor = (description: string) =>
  Type.Optional(
    Type.Union(
      [
        strict({ json: Type.String({ description: 'Field path in the JSON body, e.g. username or user.groups.', 'x-check': 'json-path' }) }),
        strict({ header: Type.String({ description: 'Response header carrying the value.', 'x-check': 'header-name' }) }),
        strict({ regex: Type.String({ description: 'Regular expression over the body; group 1 is the value.', 'x-check': 'regex' }) }),
        Type.Null(),
      ],
      { default: null, description, 'x-docType': '{ json } | { header } | { regex } | null' },
    ),
  );

/**
 * The policy part of a YAML file as its own document: what `gatehouse policy
 * push` sends to Redis. Uses the yaml Document API so the admins' comments
 * on the policy sections travel with it.
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { POLICY_KEYS } from './schema.js';

/** The text of `file` reduced to the policy sections (twoFactor, bypass, admin, pages). */
export function policyTextOf(text: string): string {
  const doc = YAML.parseDocument(text);
  if (YAML.isMap(doc.contents)) {
    const keep = new Set<string>(POLICY_KEYS as readonly string[]);
    for (const item of [...doc.contents.items]) {
      const key = YAML.isScalar(item.key) ? String(item.key.value) : String(item.key);
      if (!keep.has(key)) doc.delete(key);
    }
  }
  return doc.toString();
}

export function policyTextOfFile(path: string): string {
  return policyTextOf(readFileSync(path, 'utf8'));
}

/**
 * Who is in scope for 2FA (console tab "Enable two-factor"): everyone, or
 * listed users / groups / roles, minus the exempt lists, where exempt wins.
 *
 * Names are matched exactly as the intranet reports them. Every possible
 * answer is built at compile time, so evaluating a request allocates nothing.
 */
import type { ScopeLists } from '../config/types.js';
import type { Identity } from './types.js';

export type ScopeKind = 'user' | 'group' | 'role' | 'everyone';

export interface ScopeMatch {
  readonly inScope: boolean;
  readonly exempt: boolean;
  /** What matched; null when nothing did (out of scope). */
  readonly kind: ScopeKind | null;
  readonly name: string;
  /** "exempt group contractors", "in scope via group finance", "not in scope". */
  readonly reason: string;
}

export interface CompiledScope {
  readonly everyone: boolean;
  /** Every exempt answer evaluate() can return (so callers can precompute per answer). */
  readonly exemptions: readonly ScopeMatch[];
  evaluate(identity: Identity): ScopeMatch;
}

const NOT_IN_SCOPE: ScopeMatch = Object.freeze({ inScope: false, exempt: false, kind: null, name: '', reason: 'not in scope' });
const EVERYONE: ScopeMatch = Object.freeze({ inScope: true, exempt: false, kind: 'everyone', name: '', reason: 'in scope: everyone' });

function table(names: readonly string[], kind: ScopeKind, exempt: boolean): ReadonlyMap<string, ScopeMatch> {
  const m = new Map<string, ScopeMatch>();
  for (const name of names) {
    const reason = exempt ? `exempt ${kind} ${name}` : `in scope via ${kind} ${name}`;
    if (!m.has(name)) m.set(name, Object.freeze({ inScope: !exempt, exempt, kind, name, reason }));
  }
  return m;
}

function first(m: ReadonlyMap<string, ScopeMatch>, names: readonly string[]): ScopeMatch | undefined {
  if (m.size === 0) return undefined;
  for (let i = 0; i < names.length; i++) {
    const hit = m.get(names[i]!);
    if (hit) return hit;
  }
  return undefined;
}

export function compileScope(enabledFor: ScopeLists & { everyone: boolean }, exempt: ScopeLists): CompiledScope {
  const exUsers = table(exempt.users, 'user', true);
  const exGroups = table(exempt.groups, 'group', true);
  const exRoles = table(exempt.roles, 'role', true);
  const inUsers = table(enabledFor.users, 'user', false);
  const inGroups = table(enabledFor.groups, 'group', false);
  const inRoles = table(enabledFor.roles, 'role', false);
  const everyone = enabledFor.everyone;

  return Object.freeze({
    everyone,
    exemptions: Object.freeze([...exUsers.values(), ...exGroups.values(), ...exRoles.values()]),
    evaluate(identity: Identity): ScopeMatch {
      // Exempt first: an exemption is an admin's explicit "not this one",
      // and must beat "everyone" or a group membership.
      const ex =
        exUsers.get(identity.user) ?? first(exGroups, identity.groups) ?? first(exRoles, identity.roles);
      if (ex) return ex;
      if (everyone) return EVERYONE;
      return (
        inUsers.get(identity.user) ?? first(inGroups, identity.groups) ?? first(inRoles, identity.roles) ?? NOT_IN_SCOPE
      );
    },
  });
}

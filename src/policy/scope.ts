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

/** Both answers a name can give, so one pass over a user's groups finds either. */
interface Entry {
  exempt?: ScopeMatch;
  in?: ScopeMatch;
}

function table(inNames: readonly string[], exemptNames: readonly string[], kind: ScopeKind): ReadonlyMap<string, Entry> {
  const m = new Map<string, Entry>();
  const add = (name: string, exempt: boolean): void => {
    const e = m.get(name) ?? {};
    const key = exempt ? 'exempt' : 'in';
    const reason = exempt ? `exempt ${kind} ${name}` : `in scope via ${kind} ${name}`;
    e[key] ??= Object.freeze({ inScope: !exempt, exempt, kind, name, reason });
    m.set(name, e);
  };
  for (const name of exemptNames) add(name, true);
  for (const name of inNames) add(name, false);
  return m;
}

/**
 * Scans `names` once (users in large directories carry hundreds of groups):
 * the first exempt entry wins at once, else the first in-scope one is kept.
 */
function scan(m: ReadonlyMap<string, Entry>, names: readonly string[]): ScopeMatch | undefined {
  if (m.size === 0) return undefined;
  let found: ScopeMatch | undefined;
  for (let i = 0; i < names.length; i++) {
    const e = m.get(names[i]!);
    if (e === undefined) continue;
    if (e.exempt) return e.exempt;
    found ??= e.in;
  }
  return found;
}

export function compileScope(enabledFor: ScopeLists & { everyone: boolean }, exempt: ScopeLists): CompiledScope {
  const users = table(enabledFor.users, exempt.users, 'user');
  const groups = table(enabledFor.groups, exempt.groups, 'group');
  const roles = table(enabledFor.roles, exempt.roles, 'role');
  const everyone = enabledFor.everyone;
  const exemptions: ScopeMatch[] = [];
  for (const m of [users, groups, roles]) for (const e of m.values()) if (e.exempt) exemptions.push(e.exempt);

  return Object.freeze({
    everyone,
    exemptions: Object.freeze(exemptions),
    evaluate(identity: Identity): ScopeMatch {
      // Exempt first: an exemption is an admin's explicit "not this one", and
      // must beat "everyone", a listed group or even the user's own name.
      const user = users.get(identity.user);
      if (user?.exempt) return user.exempt;
      const group = scan(groups, identity.groups);
      if (group?.exempt) return group;
      const role = scan(roles, identity.roles);
      if (role?.exempt) return role;
      if (everyone) return EVERYONE;
      return user?.in ?? group ?? role ?? NOT_IN_SCOPE;
    },
  });
}

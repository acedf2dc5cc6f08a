import { describe, expect, it } from 'vitest';
import { compileScope } from '../../src/policy/scope.js';
import { identity } from './fixtures.js';

const lists = { users: ['alice'], groups: ['finance'], roles: ['approver'] };
const exempt = { users: ['svc'], groups: ['contractors'], roles: ['kiosk'] };

describe('scope', () => {
  const listed = compileScope({ everyone: false, ...lists }, exempt);
  const everyone = compileScope({ everyone: true, users: [], groups: [], roles: [] }, exempt);

  it.each([
    ['a listed user', listed, identity('alice'), true, 'in scope via user alice'],
    ['a member of a listed group', listed, identity('bob', ['staff', 'finance']), true, 'in scope via group finance'],
    ['a holder of a listed role', listed, identity('bob', [], ['approver']), true, 'in scope via role approver'],
    ['anyone else', listed, identity('bob', ['staff'], ['reader']), false, 'not in scope'],
    ['anyone when everyone is on', everyone, identity('bob'), true, 'in scope: everyone'],
    ['an exempt user though listed by group', listed, identity('svc', ['finance']), false, 'exempt user svc'],
    ['an exempt group though the user is listed', listed, identity('alice', ['contractors']), false, 'exempt group contractors'],
    ['an exempt role though everyone is on', everyone, identity('bob', [], ['kiosk']), false, 'exempt role kiosk'],
    ['a user whose name differs only in case', listed, identity('Alice'), false, 'not in scope'],
  ])('should judge %s', (_name, scope, id, inScope, reason) => {
    const m = scope.evaluate(id);
    expect(m.inScope).toBe(inScope);
    expect(m.reason).toBe(reason);
  });

  it('should let exempt win when a name is on both lists', () => {
    const both = compileScope({ everyone: false, users: ['x'], groups: ['g'], roles: [] }, { users: ['x'], groups: ['g'], roles: [] });
    expect(both.evaluate(identity('x')).reason).toBe('exempt user x');
    expect(both.evaluate(identity('y', ['g'])).reason).toBe('exempt group g');
  });

  it('should find an exempt group late in a long group list after an in-scope one', () => {
    const groups = [...Array.from({ length: 300 }, (_, i) => `g${i}`), 'finance', 'contractors'];
    expect(listed.evaluate(identity('bob', groups)).reason).toBe('exempt group contractors');
  });

  it('should list every exempt answer for precomputation', () => {
    expect(listed.exemptions.map((m) => m.reason)).toEqual(['exempt user svc', 'exempt group contractors', 'exempt role kiosk']);
  });

  it('should return the same object for the same answer (no allocation per request)', () => {
    expect(listed.evaluate(identity('alice'))).toBe(listed.evaluate(identity('alice', ['x'])));
  });
});

/**
 * Issue 2 §5, DESIGN §4: in header mode the identity headers count only from
 * network.trustedProxies, and from anyone else they are removed before
 * forwarding in every spelling a server might fold together (case, `_` for
 * `-`, duplicates), so neither Gatehouse nor the intranet can be fooled.
 *
 * 127.0.0.2 is the trusted proxy; tests connect from it or from 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathOf } from '../helpers/client.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { echo, rawRequest, type Echo } from '../proxy/support.js';

const PROXY = '127.0.0.2';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ config: { identity: { source: 'header' }, network: { trustedProxies: [PROXY] } } });
});
afterAll(async () => stack?.close());

const IDENTITY_NAMES = new Set(['x-remote-user', 'x-remote-groups', 'x-remote-roles']);
function identityHeadersReceived(e: Echo): string[] {
  return e.rawHeaders.map(([n]) => n).filter((n) => IDENTITY_NAMES.has(n.toLowerCase().replace(/_/g, '-')));
}

async function whoami(headers: Record<string, string> | string[], localAddress?: string) {
  const res = await rawRequest(stack.url, { path: '/_gatehouse/whoami', headers, ...(localAddress ? { localAddress } : {}) });
  return JSON.parse(res.body.toString()) as { identity: { user: string; groups: string[]; roles: string[] } | null; fromTrustedProxy: boolean };
}

const SPELLINGS: [string, string[]][] = [
  ['canonical', ['X-Remote-User', 'admin']],
  ['lower case', ['x-remote-user', 'admin']],
  ['upper case', ['X-REMOTE-USER', 'admin']],
  ['underscores', ['X_Remote_User', 'admin']],
  ['lower underscores', ['x_remote_user', 'admin']],
  ['mixed', ['X-Remote_User', 'admin']],
  ['duplicates', ['X-Remote-User', 'admin', 'X-Remote-User', 'alice']],
  ['duplicates in two spellings', ['X-Remote-User', 'admin', 'x_remote_user', 'alice']],
  ['groups and roles', ['X-Remote-Groups', 'it-admins', 'X_Remote_Roles', 'administrator', 'x-remote-groups', 'finance']],
];

describe('identity headers from an untrusted peer', () => {
  it.each(SPELLINGS)('should strip them (%s) before forwarding and not honour them', async (_label, headers) => {
    const e = await echo(stack.url, { headers });
    expect(identityHeadersReceived(e)).toEqual([]);
    const w = await whoami(headers);
    expect(w.identity).toBeNull();
    expect(w.fromTrustedProxy).toBe(false);
  });

  it('should keep the intranet’s other headers that merely look similar', async () => {
    const e = await echo(stack.url, { headers: { 'x-remote-user-agent': 'kept', 'x-remote': 'kept' } });
    expect(e.headers['x-remote-user-agent']).toBe('kept');
    expect(e.headers['x-remote']).toBe('kept');
  });
});

describe('identity headers from a trusted proxy', () => {
  it('should honour the exact spelling, with groups and roles', async () => {
    const w = await whoami({ 'X-Remote-User': 'alice', 'X-Remote-Groups': 'finance, staff', 'X-Remote-Roles': 'approver' }, PROXY);
    expect(w.identity).toMatchObject({ user: 'alice', groups: ['finance', 'staff'], roles: ['approver'] });
    expect(w.fromTrustedProxy).toBe(true);
  });

  it('should forward the exact spelling to the intranet and drop underscore look-alikes', async () => {
    const e = await echo(stack.url, { headers: ['X-Remote-User', 'bob', 'X_Remote_User', 'admin', 'X_Remote_Groups', 'it-admins'], localAddress: PROXY });
    expect(e.headers['x-remote-user']).toBe('bob');
    expect(identityHeadersReceived(e).map((n) => n.toLowerCase())).toEqual(['x-remote-user']);
  });

  it('should refuse an ambiguous user (the header sent twice)', async () => {
    const w = await whoami(['X-Remote-User', 'bob', 'X-Remote-User', 'admin'], PROXY);
    expect(w.identity).toBeNull();
  });

  it('should not be fooled by an underscore spelling even from the trusted proxy', async () => {
    const w = await whoami({ X_Remote_User: 'admin' }, PROXY);
    expect(w.identity).toBeNull();
  });

  it('should still ask an in-scope user named by the proxy for a second factor', async () => {
    const res = await rawRequest(stack.url, { path: '/reports', headers: { accept: 'text/html', 'X-Remote-User': 'alice' }, localAddress: PROXY });
    expect(res.status).toBe(302);
    expect(pathOf(res.headers.location as string)).toBe('/_gatehouse/enrol?rd=%2Freports');
    // bob is out of scope: forwarded.
    const bob = await rawRequest(stack.url, { path: '/echo', headers: { 'X-Remote-User': 'bob' }, localAddress: PROXY });
    expect(bob.status).toBe(200);
  });
});

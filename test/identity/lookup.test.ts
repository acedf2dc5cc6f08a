/**
 * Issue 2 §5, DESIGN §4: lookup mode asks the intranet with the user's own
 * credential and reads user, groups and roles with a JSON path, a response
 * header or a regular expression over an HTML page.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Browser, pathOf } from '../helpers/client.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
afterEach(async () => {
  await stack?.close();
  stack = undefined!; // a test that starts no stack must not close the previous one twice
});

interface WhoAmI {
  identity: { user: string; groups: string[]; roles: string[]; source: string } | null;
}

async function whoamiAs(s: Stack, user: string | null): Promise<WhoAmI> {
  const b = new Browser(s.url);
  if (user) await b.login(user);
  const res = await b.get('/_gatehouse/whoami', { accept: 'application/json' });
  expect(res.status).toBe(200);
  return JSON.parse(res.body) as WhoAmI;
}

describe('lookup extractors', () => {
  it('should read user, groups and roles from JSON fields', async () => {
    stack = await startStack();
    expect((await whoamiAs(stack, 'alice')).identity).toEqual({ user: 'alice', groups: ['finance', 'staff'], roles: ['approver'], source: 'lookup' });
    expect((await whoamiAs(stack, 'carol')).identity).toEqual({ user: 'carol', groups: ['contractors'], roles: [], source: 'lookup' });
    expect((await whoamiAs(stack, null)).identity).toBeNull();
  });

  it('should read user, groups and roles from response headers (/whoami-header)', async () => {
    stack = await startStack({
      config: { identity: { lookup: { path: '/whoami-header', user: { json: undefined, header: 'X-User' }, groups: { json: undefined, header: 'X-Groups' }, roles: { json: undefined, header: 'X-Roles' } } } },
    });
    expect((await whoamiAs(stack, 'dave')).identity).toEqual({ user: 'dave', groups: ['it-admins', 'staff'], roles: ['operator'], source: 'lookup' });
    expect((await whoamiAs(stack, null)).identity).toBeNull();
  });

  it('should read the user with a regular expression over the home page', async () => {
    stack = await startStack({
      config: {
        identity: {
          lookup: {
            path: '/',
            // `json: undefined` drops the base config's JSON extractor in the deep merge.
            user: { json: undefined, regex: 'Logged in as (\\w+)' },
            // Tags in the "Groups:" paragraph only.
            groups: { json: undefined, regex: '<span class="tag">([\\w-]+)</span>(?=(?:<span class="tag">[\\w-]+</span>)*</p>\\s*<p>Roles)' },
            roles: null,
          },
        },
      },
    });
    expect((await whoamiAs(stack, 'alice')).identity).toEqual({ user: 'alice', groups: ['finance', 'staff'], roles: [], source: 'lookup' });
    // Anonymous: the home page redirects to the login form.
    expect((await whoamiAs(stack, null)).identity).toBeNull();

    // The extracted groups drive the policy: alice (group finance) is asked, bob is not.
    const alice = new Browser(stack.url);
    await alice.login('alice');
    const a = await alice.get('/reports');
    expect(pathOf(a.location)).toBe('/_gatehouse/enrol?rd=%2Freports');
    const bob = new Browser(stack.url);
    await bob.login('bob');
    expect((await bob.get('/reports')).status).toBe(200);
  });

  it('should ask the intranet with the user’s own cookies, never Gatehouse’s', async () => {
    // A look-up at /echo that reads "the user" from the Cookie header it received.
    stack = await startStack({ config: { identity: { lookup: { path: '/echo', user: { json: 'headers.cookie' }, groups: null, roles: null } } } });
    const b = new Browser(stack.url);
    const res = await b.get('/_gatehouse/whoami', { cookie: 'gh_s=secret-session; theme=dark; gh_d=remembered; sid=abc', accept: 'application/json' });
    expect((JSON.parse(res.body) as WhoAmI).identity?.user).toBe('theme=dark; sid=abc');
  });

  it('should identify an HTTP Basic user (Authorization forwarded to the look-up)', async () => {
    stack = await startStack({ config: { identity: { sessionCookie: '' } } });
    const auth = 'Basic ' + Buffer.from('alice:alice-pw').toString('base64');
    const b = new Browser(stack.url, { authorization: auth });
    const w = JSON.parse((await b.get('/_gatehouse/whoami')).body) as WhoAmI;
    expect(w.identity?.user).toBe('alice');
    const res = await b.get('/reports');
    expect(pathOf(res.location)).toBe('/_gatehouse/enrol?rd=%2Freports');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { pathOf } from '../helpers/client.js';
import { browserFor, enrol, verify } from '../helpers/flows.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
afterEach(async () => {
  await stack?.close();
  stack = undefined!; // a test that starts no stack must not close the previous one twice
});

describe('second factor end to end', () => {
  it('should send an in-scope user to enrolment, then back to the page first asked for', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('alice');
    const first = await b.get('/reports?tab=q3');
    expect(first.status).toBe(302);
    expect(pathOf(first.location)).toBe('/_gatehouse/enrol?rd=%2Freports%3Ftab%3Dq3');
    const { key } = await enrol(stack, b, '/reports?tab=q3');
    const after = await b.get('/reports?tab=q3');
    expect(after.status).toBe(200);
    expect(after.body).toContain('Logged in as alice');
    // A new intranet login asks again.
    await b.get('/logout');
    await b.login('alice');
    const again = await b.get('/reports');
    expect(pathOf(again.location)).toBe('/_gatehouse/challenge?rd=%2Freports');
    const v = await verify(stack, b, key);
    expect(v.path).toBe('/reports');
    expect((await b.get('/reports')).status).toBe(200);
  });

  it('should never show Gatehouse to an out-of-scope user', async () => {
    stack = await startStack();
    const b = browserFor(stack);
    await b.login('bob');
    const res = await b.get('/reports');
    expect(res.status).toBe(200);
    expect(res.body).toContain('Logged in as bob');
  });
});

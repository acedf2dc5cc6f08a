/** Gatehouse's own pages under server.prefix: the second-factor flow (enrol, challenge, recovery, skip) and the small routes (health, whoami, assets). */
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../gate/services.js';
import { registerBasics } from './basics.js';
import { registerChallenge } from './challenge.js';
import { registerEnrol } from './enrol.js';

export { pageContext, csrfOk, auditEvent, redirect, field, type PageContext } from './context.js';

/** Form posts to our pages are small; anything bigger is refused before it is read in full. */
export const FORM_BODY_LIMIT = 64 * 1024;

export async function flowPlugin(app: FastifyInstance, s: Services): Promise<void> {
  await app.register(formbody, { bodyLimit: FORM_BODY_LIMIT });
  registerBasics(app, s);
  registerChallenge(app, s);
  registerEnrol(app, s);
}

/** The admin console under {prefix}/admin and the JSON API under {prefix}/api: who must use 2FA, settings, trusted IPs, users, rollout, audit, policy tester, reload. */
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { FORM_BODY_LIMIT } from '../flow/index.js';
import type { Services } from '../gate/services.js';
import { registerApi } from './api.js';
import { createSuggestions, type ConsoleDeps } from './console.js';
import { createAdminGuard } from './guard.js';
import { createRolloutCache } from './rollout.js';
import { registerPolicyRoutes } from './routes-policy.js';
import { registerToolRoutes } from './routes-tools.js';
import { registerUserRoutes } from './routes-users.js';
import { createPolicySink } from './sink.js';

export type { PolicySink, SaveOutcome, PolicyEdit } from './sink.js';
export { STEP_UP_MS } from './guard.js';

export async function adminPlugin(app: FastifyInstance, s: Services): Promise<void> {
  const sink = createPolicySink(s);
  const deps: ConsoleDeps = { s, sink, rollout: createRolloutCache(s), guard: createAdminGuard(s), suggestions: createSuggestions(s) };
  // Two sibling contexts: console forms are urlencoded, the API speaks JSON.
  await app.register(async (consoleApp) => {
    await consoleApp.register(formbody, { bodyLimit: FORM_BODY_LIMIT });
    registerPolicyRoutes(consoleApp, deps);
    registerUserRoutes(consoleApp, deps);
    registerToolRoutes(consoleApp, deps);
  });
  await app.register(async (apiApp) => registerApi(apiApp, s, sink));
}

/** The admin console and JSON API under {prefix}/admin and {prefix}/api (filled in by the admin issue). */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../gate/services.js';

export async function adminPlugin(_app: FastifyInstance, _s: Services): Promise<void> {}

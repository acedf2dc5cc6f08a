/**
 * Rules that span several keys, run after the schema walk. They skip values
 * already reported as invalid so one mistake yields one message.
 */
import { FILE_POS, type Pos, type Problems } from './errors.js';
import type { RawConfig } from './schema.js';

type RawPolicy = Pick<RawConfig, 'twoFactor' | 'bypass' | 'admin' | 'pages'>;

export interface SemanticContext {
  problems: Problems;
  positions: Map<string, Pos>;
}

function report(ctx: SemanticContext, path: string, message: string): void {
  ctx.problems.add(ctx.positions.get(path) ?? FILE_POS, path, message);
}

/** True when neither these paths nor anything under them was already reported. */
function ok(ctx: SemanticContext, ...paths: string[]): boolean {
  for (const bad of ctx.problems.invalid) {
    if (paths.some((p) => bad === p || bad.startsWith(`${p}.`) || bad.startsWith(`${p}[`))) return false;
  }
  return true;
}

export function checkPolicy(p: RawPolicy, ctx: SemanticContext): void {
  const tf = p.twoFactor;
  if (tf.enrolment.allowFrom === 'trustedIps' && tf.trustedIps.length === 0 && ok(ctx, 'twoFactor.trustedIps')) {
    report(ctx, 'twoFactor.enrolment.allowFrom', "is 'trustedIps' but twoFactor.trustedIps is empty: nobody could set up a device");
  }
}

export function checkConfig(c: RawConfig, ctx: SemanticContext): void {
  checkPolicy(c, ctx);
  const id = c.identity;
  if (id.source === 'lookup' && ok(ctx, 'identity.source')) {
    // Without these no identity is ever found and everyone is forwarded as anonymous.
    if (id.lookup.path === '' && ok(ctx, 'identity.lookup.path')) {
      report(ctx, 'identity.lookup.path', "is required with identity.source 'lookup', e.g. /api/me");
    }
    if (id.lookup.user === null && ok(ctx, 'identity.lookup.user')) {
      report(ctx, 'identity.lookup.user', "is required with identity.source 'lookup', e.g. { json: username }");
    }
  }
  if (id.source === 'header' && c.network.trustedProxies.length === 0 && ok(ctx, 'identity.source', 'network.trustedProxies')) {
    report(ctx, 'identity.source', "is 'header' but network.trustedProxies is empty: identity headers are only accepted from trusted proxies");
  }
  if (c.metrics.listen !== '' && c.metrics.listen === c.server.listen) {
    report(ctx, 'metrics.listen', `is the same address as server.listen (${c.server.listen})`);
  }
  const names = new Map<string, number>();
  const tokens = new Map<string, number>();
  c.api.tokens.forEach((t, i) => {
    if (!t) return;
    const sameName = names.get(t.name);
    if (sameName !== undefined) report(ctx, `api.tokens[${i}].name`, `'${t.name}' is already used by api.tokens[${sameName}]`);
    else names.set(t.name, i);
    const sameToken = tokens.get(t.token);
    if (sameToken !== undefined && t.token) report(ctx, `api.tokens[${i}].token`, `is the same as api.tokens[${sameToken}].token`);
    else tokens.set(t.token, i);
  });
}

/**
 * What happened to a request, in the words operators read in the access log
 * and in gatehouse_requests_total: one `decision` per outcome and the policy
 * `rule` behind it. Computed after the fact from what the gate left on the
 * request (req.gate.rule), so the gate itself carries no bookkeeping.
 */
import type { FastifyRequest } from 'fastify';

export interface RequestOutcome {
  /** forwarded | bypassed | anonymous | out_of_scope | exempt | trusted_ip | skipped | challenged | enrolled | locked | denied | own | refused | unavailable | error | other */
  readonly decision: string;
  /** The policy rule (session, device, bypass, …) or, for requests the policy never judged, why not (gatehouse, bad_path, fail_closed, …). */
  readonly rule: string;
  /** The request was sent on to the intranet. */
  readonly forwarded: boolean;
}

const outcome = (decision: string, rule: string, forwarded: boolean): RequestOutcome => Object.freeze({ decision, rule, forwarded });

/**
 * Policy rules (policy/types.ts Decision.rule) → decision. `enrolled` means
 * "sent to the set-up page", as `challenged` means "sent to the code page".
 */
const BY_RULE = new Map<string, RequestOutcome>([
  ['session', outcome('forwarded', 'session', true)],
  ['device', outcome('forwarded', 'device', true)],
  ['bypass', outcome('bypassed', 'bypass', true)],
  ['anonymous', outcome('anonymous', 'anonymous', true)],
  ['out_of_scope', outcome('out_of_scope', 'out_of_scope', true)],
  ['exempt', outcome('exempt', 'exempt', true)],
  ['trusted_ip', outcome('trusted_ip', 'trusted_ip', true)],
  ['skipped', outcome('skipped', 'skipped', true)],
  ['challenge', outcome('challenged', 'challenge', false)],
  ['enrol', outcome('enrolled', 'enrol', false)],
  ['locked', outcome('locked', 'locked', false)],
  ['enrol_untrusted_ip', outcome('denied', 'enrol_untrusted_ip', false)],
]);

const OWN = outcome('own', 'gatehouse', false);
const OWN_NOT_FOUND = outcome('own', 'not_found', false);
const BAD_PATH = outcome('refused', 'bad_path', false);
const FAIL_CLOSED = outcome('unavailable', 'fail_closed', false);
const ERROR = outcome('error', 'internal', false);

/** Every outcome this module can return for a known rule, so metrics can pre-create their series. */
export const KNOWN_OUTCOMES: readonly RequestOutcome[] = [...BY_RULE.values(), OWN, OWN_NOT_FOUND, BAD_PATH, FAIL_CLOSED, ERROR];

const unknownRules = new Map<string, RequestOutcome>();

/** The outcome of a request whose response is being sent; `status` is the response status. */
export function outcomeOf(req: FastifyRequest, status: number): RequestOutcome {
  const rule = req.gate?.rule;
  if (rule !== undefined) {
    const known = BY_RULE.get(rule);
    if (known) return known;
    // A rule added to the policy after this table: still counted, under its own name.
    let o = unknownRules.get(rule);
    if (!o) unknownRules.set(rule, (o = outcome('other', rule, false)));
    return o;
  }
  // No decision: either one of Gatehouse's own routes, or the proxy route
  // answered before the policy could decide (bad path, fail closed, error).
  const url = req.routeOptions.url;
  if (url !== '/*' && url !== '/') return OWN;
  if (status === 400) return BAD_PATH;
  if (status === 503) return FAIL_CLOSED;
  if (status === 404) return OWN_NOT_FOUND;
  return ERROR;
}

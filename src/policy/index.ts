/** The pure 2FA policy: compile the config once, then decide (and explain) per request who is forwarded, challenged, asked to enrol, locked out or denied. */
export { compilePolicy, type CompiledPolicy, type FixedDecisions, type SessionProblem } from './compile.js';
export { decide, preDecide, needsState, explain, isAdmin, type Explanation, type ExplainStep, type PreDecisionInput } from './decide.js';
export { CidrSet, compileCidrSet } from './cidr.js';
export { compileBypass, type BypassMatcher } from './bypass.js';
export { compileScope, type CompiledScope, type ScopeMatch, type ScopeKind } from './scope.js';
export type { Action, Claims, Decision, DecisionInput, DeviceClaim, Identity, SessionClaim, SkipClaim } from './types.js';

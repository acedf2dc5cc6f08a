/**
 * The live, swappable part of Gatehouse: the effective config and the policy
 * compiled from it. A reload builds a complete new Live and swaps one
 * reference, so a request sees either the old policy or the new one, never a
 * mix, and a rejected reload leaves the old one in force.
 */
import type { GatehouseConfig } from '../config/types.js';
import { compilePolicy, type CompiledPolicy } from '../policy/index.js';

export interface Live {
  readonly config: GatehouseConfig;
  readonly policy: CompiledPolicy;
  /** Increments on every successful swap; the console's save uses it as a version check. */
  readonly version: number;
  readonly loadedAt: number;
}

export interface Runtime {
  readonly live: Live;
  swap(config: GatehouseConfig): Live;
  onSwap(listener: (live: Live, previous: Live) => void): void;
}

export function createRuntime(initial: GatehouseConfig, now: () => number = Date.now): Runtime {
  let live: Live = { config: initial, policy: compilePolicy(initial), version: 1, loadedAt: now() };
  const listeners: ((l: Live, p: Live) => void)[] = [];
  return {
    get live() {
      return live;
    },
    swap(config) {
      // Compile first: if it throws, the running policy stays in force.
      const next: Live = { config, policy: compilePolicy(config), version: live.version + 1, loadedAt: now() };
      const previous = live;
      live = next;
      for (const l of listeners) l(next, previous);
      return next;
    },
    onSwap(listener) {
      listeners.push(listener);
    },
  };
}

/**
 * A measuring wrapper around any Store: latency and errors per operation,
 * without touching the Store interface or its implementations. A Proxy keeps
 * whatever else the store carries (its prototype for instanceof, optional
 * methods such as onGenerationChange staying absent when absent).
 */
import type { Store } from '../store/types.js';
import type { Metrics } from './metrics.js';

export function measureStore(store: Store, metrics: Pick<Metrics, 'storeOp'>): Store {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop) {
      const cached = wrapped.get(prop);
      if (cached !== undefined) return cached;
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function' || typeof prop === 'symbol' || prop === 'constructor') return value;
      const fn = value as (...args: unknown[]) => unknown;
      // getUserNow is getUser answered without waiting: one operation for the operator.
      const op = metrics.storeOp(prop === 'getUserNow' ? 'getUser' : prop);
      const measured = (...args: unknown[]): unknown => {
        const t0 = performance.now();
        let result: unknown;
        try {
          // Called on the real store, so private fields and `this` work as before.
          result = fn.apply(target, args);
        } catch (err) {
          op.error();
          throw err;
        }
        if (result === null || typeof result !== 'object' || typeof (result as Promise<unknown>).then !== 'function') {
          // A synchronous answer (getUserNow): timed all the same.
          op.observe((performance.now() - t0) / 1000);
          return result;
        }
        return (result as Promise<unknown>).then(
          (v) => {
            op.observe((performance.now() - t0) / 1000);
            return v;
          },
          (err: unknown) => {
            op.observe((performance.now() - t0) / 1000);
            op.error();
            throw err;
          },
        );
      };
      wrapped.set(prop, measured);
      return measured;
    },
  });
}

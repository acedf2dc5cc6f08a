/**
 * "Last seen" bookkeeping without a store write per request: each process
 * records a user at most once per interval, in the background. The Users tab
 * needs last-seen to the minute, not to the request.
 */
import type { Store } from '../store/types.js';

const INTERVAL_MS = 5 * 60_000;
const MAX_TRACKED = 100_000;

export interface SeenTracker {
  note(user: string, ip: string, groups: readonly string[], now: number): void;
}

export function createSeenTracker(store: Store, onError: (err: unknown) => void): SeenTracker {
  const last = new Map<string, number>();
  return {
    note(user, ip, groups, now) {
      const prev = last.get(user);
      if (prev !== undefined && now - prev < INTERVAL_MS) return;
      if (last.size >= MAX_TRACKED) last.clear();
      last.set(user, now);
      store.touchUser(user, { at: now, ip, groups }).catch((err: unknown) => {
        // Forget the sighting so the next request retries once the store is back.
        last.delete(user);
        onError(err);
      });
    },
  };
}

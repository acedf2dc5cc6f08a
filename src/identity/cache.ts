/**
 * A bounded time-to-live cache with request coalescing.
 *
 * Bounded because every distinct credential an attacker invents becomes a
 * key; coalescing because a burst of requests from one freshly logged-in
 * browser must cost the intranet one look-up, not one per request.
 */
export class CoalescingCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private readonly inFlight = new Map<string, Promise<V>>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  peek(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /**
   * Cached value, or the single in-flight load for this key. `ttlOf` decides
   * per result how long to keep it (0 = do not cache).
   */
  get(key: string, now: () => number, load: () => Promise<V>, ttlOf: (v: V) => number): Promise<V> {
    const hit = this.peek(key, now());
    if (hit !== undefined) return Promise.resolve(hit);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const p = load().then(
      (value) => {
        this.inFlight.delete(key);
        const ttl = ttlOf(value);
        if (ttl > 0) this.set(key, value, now() + ttl);
        return value;
      },
      (err: unknown) => {
        this.inFlight.delete(key);
        throw err;
      },
    );
    this.inFlight.set(key, p);
    return p;
  }

  set(key: string, value: V, expiresAt: number): void {
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      // Oldest insertion first: Map iteration order is insertion order.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * In-memory throttle of failed sign-ins (issue 3: rate limits on login): within a sliding
 * window, at most `maxFailuresPerUser` failures per user name and `maxFailuresPerAddress`
 * per source address; past either, attempts are refused until the oldest counted failure
 * ages out. So one address cannot guess many passwords, and many addresses cannot guess
 * one user's. The address limit is looser: many users may sit behind one proxy. A
 * successful sign-in forgets the user name's failures. The clock is injected for tests;
 * memory is bounded by `maxKeys`.
 */

export interface LoginThrottleOptions {
  /** Failures allowed per user name within the window. Default 5. */
  readonly maxFailuresPerUser?: number;
  /** Failures allowed per source address within the window. Default 20. */
  readonly maxFailuresPerAddress?: number;
  /** Sliding window, milliseconds. Default 15 minutes. */
  readonly windowMs?: number;
  /** Keys remembered at most; the least recently failed are forgotten first. Default 10 000. */
  readonly maxKeys?: number;
  /** Clock in milliseconds. */
  readonly now?: () => number;
}

export interface ThrottleVerdict {
  readonly allowed: boolean;
  /** When refused: seconds until one more attempt is allowed (Retry-After). */
  readonly retryAfterSeconds: number;
}

export class LoginThrottle {
  readonly #maxPerUser: number;
  readonly #maxPerAddress: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  /** key → failure times (ms), oldest first. Map order: least recently failed key first. */
  readonly #failures = new Map<string, number[]>();

  constructor(options: LoginThrottleOptions = {}) {
    this.#maxPerUser = options.maxFailuresPerUser ?? 5;
    this.#maxPerAddress = options.maxFailuresPerAddress ?? 20;
    this.#windowMs = options.windowMs ?? 15 * 60_000;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  #keys(address: string, username: string): [string, number][] {
    return [
      [`user:${username.toLowerCase()}`, this.#maxPerUser],
      [`address:${address}`, this.#maxPerAddress],
    ];
  }

  #recent(key: string, now: number): number[] {
    const times = (this.#failures.get(key) ?? []).filter((time) => time > now - this.#windowMs);
    if (times.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, times);
    return times;
  }

  /** Whether an attempt from this address for this user name is allowed now. */
  check(address: string, username: string): ThrottleVerdict {
    const now = this.#now();
    let retryAfterMs = 0;
    for (const [key, max] of this.#keys(address, username)) {
      const times = this.#recent(key, now);
      if (times.length >= max) {
        const oldestCounted = times[times.length - max] ?? now;
        retryAfterMs = Math.max(retryAfterMs, oldestCounted + this.#windowMs - now);
      }
    }
    return retryAfterMs > 0 ? { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) } : { allowed: true, retryAfterSeconds: 0 };
  }

  recordFailure(address: string, username: string): void {
    const now = this.#now();
    for (const [key, max] of this.#keys(address, username)) {
      const times = this.#recent(key, now);
      times.push(now);
      this.#failures.delete(key);
      this.#failures.set(key, times.slice(-max));
    }
    while (this.#failures.size > this.#maxKeys) {
      const oldest = this.#failures.keys().next().value;
      if (oldest === undefined) break;
      this.#failures.delete(oldest);
    }
  }

  /** A successful sign-in forgets the user name's failures (not the address's). */
  recordSuccess(username: string): void {
    this.#failures.delete(`user:${username.toLowerCase()}`);
  }
}

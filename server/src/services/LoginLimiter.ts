// Counts login attempts per IP and login in memory (losing them on restart is acceptable; sessions are not in memory).

interface Bucket {
  attempts: number;
  resetAt: number;
}

export class LoginLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly maxAttempts: number,
    private readonly windowMs: number,
  ) {}

  /** Records an attempt; returns seconds to wait if the key is over its limit, else 0. */
  attempt(key: string, now: number): number {
    this.prune(now);
    const b = this.buckets.get(key);
    if (!b || b.resetAt <= now) {
      this.buckets.set(key, { attempts: 1, resetAt: now + this.windowMs });
      return 0;
    }
    if (b.attempts >= this.maxAttempts) return Math.max(1, Math.ceil((b.resetAt - now) / 1000));
    b.attempts += 1;
    return 0;
  }

  /** A successful login forgets earlier failures. */
  reset(key: string): void {
    this.buckets.delete(key);
  }

  private prune(now: number): void {
    if (this.buckets.size < 10_000) return;
    for (const [k, b] of this.buckets) if (b.resetAt <= now) this.buckets.delete(k);
  }
}

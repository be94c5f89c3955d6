const WINDOW_MS = 1_000;

interface Window {
  stamps: Float64Array;
  next: number;
  count: number;
}

/**
 * A sliding one-second window per account and mode: the request is allowed when fewer than `limit`
 * requests were allowed in the last second. Refused requests do not count, so a client that backs
 * off gets through again after at most a second.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  allow(key: string, limit: number, nowMs: number): boolean {
    let window = this.windows.get(key);
    if (!window || window.stamps.length !== limit) {
      window = { stamps: new Float64Array(limit), next: 0, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count === limit) {
      const oldest = window.stamps[window.next] as number;
      if (nowMs - oldest < WINDOW_MS) return false;
    } else {
      window.count += 1;
    }
    window.stamps[window.next] = nowMs;
    window.next = (window.next + 1) % limit;
    return true;
  }

  clear(): void {
    this.windows.clear();
  }
}

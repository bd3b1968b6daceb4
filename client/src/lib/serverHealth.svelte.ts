// Whether our web server answers. Media does not depend on it, so a lesson goes on while it is
// down; the room says what is unavailable meanwhile.
export class ServerHealth {
  reachable = $state(true);
  private timer: ReturnType<typeof setInterval> | null = null;

  /** Polls GET /api/health every `everyMs` until stop(). */
  start(everyMs = 3000): void {
    this.stop();
    const check = async () => {
      try {
        const res = await fetch('/api/health', { cache: 'no-store', signal: AbortSignal.timeout(2500) });
        this.reachable = res.ok;
      } catch {
        this.reachable = false;
      }
    };
    void check();
    this.timer = setInterval(check, everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

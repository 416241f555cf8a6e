/**
 * The grant ids (`jti`) a tool has accepted, each kept until its grant expires,
 * so a grant is accepted once. It lives in one process's memory: a tool running
 * several processes shares nothing through it (each refuses a replay to
 * itself), and it is forgotten on restart. Past `maxEntries` live grants the
 * oldest are forgotten first, which keeps memory bounded.
 */
export class SeenGrants {
  /** jti → when it may be forgotten (seconds since the epoch), in insertion order. */
  private readonly until = new Map<string, number>();

  constructor(readonly maxEntries = 100_000) {}

  /** Records `jti` until `expiresAt` (seconds); `false` if it was already recorded. */
  claim(jti: string, expiresAt: number, nowSeconds = Date.now() / 1000): boolean {
    this.forgetExpired(nowSeconds);
    if (this.until.has(jti)) return false;
    if (this.until.size >= this.maxEntries) this.until.delete(this.until.keys().next().value!);
    this.until.set(jti, expiresAt);
    return true;
  }

  /** How many grants are remembered. */
  get size(): number {
    return this.until.size;
  }

  private forgetExpired(nowSeconds: number): void {
    // Insertion order is nearly expiry order (one lifetime for all), so stopping at the first live entry is enough.
    for (const [jti, until] of this.until) {
      if (until > nowSeconds) return;
      this.until.delete(jti);
    }
  }
}

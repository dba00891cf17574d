import { randomBytes } from 'node:crypto';

/** Settings of a {@link SessionStore}. */
export type SessionStoreOptions = {
  /** How long a session lasts from sign-in (CHEXGEN_SESSION_TTL_S). */
  ttlMs: number;
  /** Most sessions kept; past it the oldest ends (a bound on memory, whoever signs in). */
  maxSessions?: number;
  now?: () => number;
};

/**
 * The viewer's sign-in sessions, held by the server: a session cookie carries a random id (never the token or
 * anything derived from it), which ends when it expires, when the browser signs out (server-side, so a copied
 * cookie stops working too) or when the server restarts.
 */
export class SessionStore {
  private readonly sessions = new Map<string, number>();
  private readonly now: () => number;
  private readonly maxSessions: number;

  constructor(private readonly options: SessionStoreOptions) {
    this.now = options.now ?? Date.now;
    this.maxSessions = options.maxSessions ?? 10_000;
  }

  /** Starts a session; returns its id (for the cookie) and how long it lasts in seconds (for Max-Age). */
  create(): { id: string; maxAgeSeconds: number } {
    this.sweep();
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, this.now() + this.options.ttlMs);
    return { id, maxAgeSeconds: Math.floor(this.options.ttlMs / 1000) };
  }

  /** Whether `id` is a session that has not ended. */
  isValid(id: string): boolean {
    const expiresAt = this.sessions.get(id);
    if (expiresAt === undefined) return false;
    if (expiresAt > this.now()) return true;
    this.sessions.delete(id);
    return false;
  }

  /** Ends a session (sign-out). */
  end(id: string): void {
    this.sessions.delete(id);
  }

  /** Sessions open now. */
  get size(): number {
    this.sweep();
    return this.sessions.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, expiresAt] of this.sessions) if (expiresAt <= now) this.sessions.delete(id);
  }
}

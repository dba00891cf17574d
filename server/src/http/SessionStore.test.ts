import { describe, expect, it } from 'vitest';
import { RateLimiter } from './RateLimiter.js';
import { SessionStore } from './SessionStore.js';

describe('SessionStore', () => {
  it('when a session passes its lifetime, then it is no longer valid; an ended one neither', () => {
    let now = 1_000;
    const sessions = new SessionStore({ ttlMs: 60_000, now: () => now });
    const a = sessions.create();
    const b = sessions.create();
    expect(a.maxAgeSeconds).toBe(60);
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessions.isValid(a.id)).toBe(true);
    sessions.end(b.id);
    expect(sessions.isValid(b.id)).toBe(false);
    now += 59_999;
    expect(sessions.isValid(a.id)).toBe(true);
    now += 1;
    expect(sessions.isValid(a.id)).toBe(false);
    expect(sessions.size).toBe(0);
  });

  it('when more sessions are started than kept, then the oldest end first', () => {
    const sessions = new SessionStore({ ttlMs: 60_000, maxSessions: 2 });
    const [a, b, c] = [sessions.create(), sessions.create(), sessions.create()];
    expect([a, b, c].map((s) => sessions.isValid(s.id))).toEqual([false, true, true]);
  });
});

describe('RateLimiter', () => {
  it('when a key passes its limit in a window, then it waits until the window ends; other keys are not affected', () => {
    let now = 0;
    const limiter = new RateLimiter({ limit: 3, windowMs: 60_000, now: () => now });
    expect([1, 2, 3].map(() => limiter.take('10.0.0.1'))).toEqual([0, 0, 0]);
    expect(limiter.take('10.0.0.1')).toBe(60);
    expect(limiter.take('10.0.0.2')).toBe(0);
    now = 45_000;
    expect(limiter.take('10.0.0.1')).toBe(15);
    now = 60_000;
    expect(limiter.take('10.0.0.1')).toBe(0);
  });
});

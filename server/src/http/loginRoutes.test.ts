import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { loginRoutes, type CookieSecurity } from './loginRoutes.js';
import { RateLimiter } from './RateLimiter.js';
import { SessionStore } from './SessionStore.js';

const TOKEN = 'unit-token-0123456789abcdef';

async function withLogin(secureCookie: CookieSecurity, attemptsPerMinute: number, run: (base: string) => Promise<void>): Promise<void> {
  const auth = { token: TOKEN, sessions: new SessionStore({ ttlMs: 3_600_000 }) };
  const app = express().use(loginRoutes(auth, { secureCookie, attempts: new RateLimiter({ limit: attemptsPerMinute, windowMs: 60_000 }) }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.close();
  }
}

const signIn = (base: string, token: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/login`, { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual', headers });

describe('loginRoutes', () => {
  it('when one address passes the sign-in attempts per minute, then it gets 429 with Retry-After, even with the right token', async () => {
    await withLogin('auto', 3, async (base) => {
      for (let i = 0; i < 3; i++) expect((await signIn(base, `wrong-${i}-0123456789abcdef`)).status).toBe(401);
      const limited = await signIn(base, TOKEN);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.headers.get('set-cookie')).toBeNull();
      expect(await limited.text()).toContain('Too many sign-in attempts');
    });
  });

  it.each([
    ['auto', {}, false],
    ['auto', { 'X-Forwarded-Proto': 'https' }, true],
    ['always', {}, true],
    ['never', { 'X-Forwarded-Proto': 'https' }, false],
  ] as const)('when CHEXGEN_COOKIE_SECURE is %s and the request says %j, then the cookie is Secure: %s', async (mode, headers, secure) => {
    await withLogin(mode, 10, async (base) => {
      const reply = await signIn(base, TOKEN, headers);
      expect(reply.status).toBe(303);
      expect(/; Secure(;|$)/.test(reply.headers.get('set-cookie') ?? '')).toBe(secure);
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChexgenError } from '../../server/src/errors.js';
import { isLoopbackHost } from '../../server/src/http/requireApiToken.js';
import type { ServerHandle } from '../../server/src/composition/startChexgenServer.js';
import { apiClient, newDataDir, startTestServer } from '../helpers/testServer.js';

// Bound beyond loopback, the server requires CHEXGEN_API_TOKEN as a bearer token on /api and /metrics.
const TOKEN = 'test-token-0123456789abcdef';

describe('synthesis server security', () => {
  let server: ServerHandle;
  let base: string;

  beforeAll(async () => {
    const config = { host: '0.0.0.0', apiToken: TOKEN };
    // /dicom-web on the server's own store, and a viewer route over an empty folder (no OHIF build needed here)
    server = await startTestServer(await newDataDir(), config, { dicomWeb: true, viewer: { viewerDir: await newDataDir() } });
    base = `http://127.0.0.1:${server.port}`;
  }, 600_000);
  afterAll(async () => server?.close());

  it('when HOST is not loopback and no token is set, then the server refuses to start, naming CHEXGEN_API_TOKEN', async () => {
    const start = startTestServer(await newDataDir(), { host: '0.0.0.0' });
    await expect(start).rejects.toBeInstanceOf(ChexgenError);
    await expect(start).rejects.toMatchObject({ code: 'INVALID_FIELD', field: 'CHEXGEN_API_TOKEN' });
  });

  it('when the token is missing or wrong, then /api and /metrics answer 401; with it they work; probes stay open', async () => {
    const anonymous = apiClient(base);
    const missing = await anonymous.get('/api/v1/models');
    expect(missing).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect((await anonymous.post('/api/v1/syntheses', { text: 'x' })).status).toBe(401);
    expect((await anonymous.get('/metrics')).status).toBe(401);
    expect((await apiClient(base, 'wrong-token-0123456789').get('/api/v1/models')).status).toBe(401);
    expect((await anonymous.get('/healthz')).status).toBe(200);
    expect((await anonymous.get('/readyz')).status).toBe(200);
    const authorized = apiClient(base, TOKEN);
    expect((await authorized.get('/api/v1/models')).status).toBe(200);
    expect((await authorized.get('/metrics')).status).toBe(200);
    expect((await authorized.post('/api/v1/syntheses', { text: 'Cardiomegaly.', steps: 1 })).status).toBe(202);
  });

  it('when /readyz is asked without the token, then it says only ready or not, without the store location or data path; with it, the details', async () => {
    const anonymous = await apiClient(base).get('/readyz');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({ status: 'ready', checks: { model: { ok: true }, store: { ok: true }, database: { ok: true }, runner: { ok: true } } });
    expect(JSON.stringify(anonymous.body)).not.toMatch(/embedded store|chexgen-server-|\/tmp\//);
    const authorized = await apiClient(base, TOKEN).get('/readyz');
    expect(authorized.body.checks.store.detail).toMatch(/^embedded store \//);
  });

  it('when the token is missing, then the images (/dicom-web, /wado) are refused too; with it they are served', async () => {
    expect((await fetch(`${base}/dicom-web/studies`)).status).toBe(401);
    expect((await fetch(`${base}/wado?requestType=WADO`)).status).toBe(401);
    const ok = await fetch(`${base}/dicom-web/studies`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
  });

  it('when a browser opens the viewer without a session, then it goes to /login; the right token gives a cookie that opens everything', async () => {
    const page = await fetch(`${base}/viewer`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');
    expect(await (await fetch(`${base}/login`)).text()).toMatch(/<form method="post" action="\/login">/);
    const wrong = await fetch(`${base}/login`, { method: 'POST', body: new URLSearchParams({ token: 'not-the-token-at-all' }), redirect: 'manual' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const right = await fetch(`${base}/login`, { method: 'POST', body: new URLSearchParams({ token: TOKEN }), redirect: 'manual' });
    expect(right.status).toBe(303);
    const setCookie = right.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^chexgen_session=[^;]+; Max-Age=43200; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(';')[0]!;
    expect((await fetch(`${base}/dicom-web/studies`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${base}/api/v1/models`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${base}/viewer`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' })).status).toBe(503); // no viewer installed in this test
    expect((await fetch(`${base}/api/v1/models`, { headers: { cookie: 'chexgen_session=forged' } })).status).toBe(401);
  });

  it('when a browser signs out, then its session ends on the server: the same cookie, replayed, gets 401 (issue 13)', async () => {
    const signIn = await fetch(`${base}/login`, { method: 'POST', body: new URLSearchParams({ token: TOKEN }), redirect: 'manual' });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    const again = await fetch(`${base}/login`, { method: 'POST', body: new URLSearchParams({ token: TOKEN }), redirect: 'manual' });
    expect((again.headers.get('set-cookie') ?? '').split(';')[0]).not.toBe(cookie); // a random id per session, not derived from the token
    expect((await fetch(`${base}/api/v1/models`, { headers: { cookie } })).status).toBe(200);
    const signOut = await fetch(`${base}/logout`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
    expect(signOut.status).toBe(303);
    expect(signOut.headers.get('set-cookie')).toMatch(/^chexgen_session=; Path=\/; Expires=Thu, 01 Jan 1970/);
    expect((await fetch(`${base}/api/v1/models`, { headers: { cookie } })).status).toBe(401);
    expect((await fetch(`${base}/dicom-web/studies`, { headers: { cookie } })).status).toBe(401);
  });

  it('when a host is loopback, then it is recognised as such', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.org']) expect(isLoopbackHost(host)).toBe(false);
  });
});

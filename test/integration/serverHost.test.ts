import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../server/src/composition/startChexgenServer.js';
import { newDataDir, startTestServer } from '../helpers/testServer.js';

/** A GET with the Host header as given (fetch does not let one set Host). */
function getWithHost(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

// DNS rebinding (issue 13, item 8): a page on rebind.attacker.example whose name the attacker points at 127.0.0.1
// reaches a loopback server with its own name in Host; without a token the server answers only loopback names.
describe('Host check of a loopback server without a token (tiny model)', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startTestServer(await newDataDir(), { allowedHosts: 'viewer.lan' });
  }, 600_000);
  afterAll(async () => server?.close());

  it.each(['/api/v1/models', '/metrics', '/readyz', '/healthz'])('when %s is asked under a rebound name, then it is refused with 403 naming Host', async (path) => {
    const reply = await getWithHost(server.port, path, `rebind.attacker.example:${server.port}`);
    expect(reply.status).toBe(403);
    expect(JSON.parse(reply.body).error).toMatchObject({ code: 'FORBIDDEN', field: 'Host' });
  });

  it('when loopback names or a CHEXGEN_ALLOWED_HOSTS name are used, then the API answers', async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`, `viewer.lan:${server.port}`]) {
      expect((await getWithHost(server.port, '/api/v1/models', host)).status, host).toBe(200);
    }
  });
});

import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../server/src/composition/startChexgenServer.js';
import { apiClient, newDataDir, startTestServer } from '../helpers/testServer.js';

// Connection and event-stream limits (issue 13): a client cannot hold every socket or every stream of the server.
const MAX_CONNECTIONS = 8;
const MAX_STREAMS = 2;

/** Opens an event stream and resolves with its status once the headers came; `close()` ends it. */
async function openStream(url: string): Promise<{ status: number; close(): void }> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  if (res.status !== 200) await res.arrayBuffer();
  return { status: res.status, close: () => controller.abort() };
}

describe('connection and event-stream limits (tiny model)', () => {
  let server: ServerHandle;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    server = await startTestServer(await newDataDir(), { maxConnections: String(MAX_CONNECTIONS), maxEventStreams: String(MAX_STREAMS) });
    api = apiClient(server.url);
  }, 600_000);
  afterAll(async () => server?.close());

  it('when more event streams are opened than CHEXGEN_MAX_EVENT_STREAMS, then the next gets 429; after one closes, a new one opens', async () => {
    const long = await api.post('/api/v1/syntheses', { text: 'x', steps: 100, count: 16, seed: 1 });
    const waiting = await api.post('/api/v1/syntheses', { text: 'y', steps: 1, seed: 2 }); // queued behind the long one
    const events = `${server.url}/api/v1/syntheses/${waiting.body.id}/events`;
    const streams = [await openStream(events), await openStream(events)];
    expect(streams.map((s) => s.status)).toEqual([200, 200]);
    const refused = await fetch(events);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringContaining('CHEXGEN_MAX_EVENT_STREAMS') });
    streams[0].close();
    let reopened = { status: 0, close: () => undefined as void };
    for (let i = 0; i < 50 && reopened.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      reopened = await openStream(events);
    }
    expect(reopened.status).toBe(200);
    reopened.close();
    streams[1].close();
    await api.delete(`/api/v1/syntheses/${long.body.id}`);
    await api.delete(`/api/v1/syntheses/${waiting.body.id}`);
  });

  it('when clients open more sockets than CHEXGEN_MAX_CONNECTIONS, then those past it are closed unanswered; once they close, requests go through', async () => {
    const sockets: Socket[] = [];
    const outcomes: Promise<'answered' | 'closed'>[] = [];
    for (let i = 0; i < MAX_CONNECTIONS + 4; i++) {
      const socket = connect(server.port, '127.0.0.1');
      sockets.push(socket);
      outcomes.push(new Promise((resolve) => {
        socket.once('data', () => resolve('answered'));
        socket.once('close', () => resolve('closed'));
        socket.once('error', () => resolve('closed'));
      }));
      await new Promise((resolve) => socket.once('connect', resolve).once('close', resolve));
    }
    for (const socket of sockets) if (!socket.destroyed) socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
    const settled = await Promise.all(outcomes);
    const answered = settled.filter((o) => o === 'answered').length;
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThanOrEqual(MAX_CONNECTIONS);
    expect(settled.filter((o) => o === 'closed').length).toBeGreaterThanOrEqual(4);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { ApiError, ChexgenClient } from './ChexgenClient';
import { followEvents } from './followEvents';
import { FakeEventSource } from '../test/fakes';

describe('followEvents', () => {
  it('when named events arrive, then handlers get parsed data and the stream closes after done', () => {
    const sources: FakeEventSource[] = [];
    const progress = vi.fn();
    const done = vi.fn();
    followEvents((url) => { const s = new FakeEventSource(url); sources.push(s); return s; }, '/e', { progress, done });
    sources[0].emit('progress', { step: 1 });
    sources[0].emit('done', { status: 'succeeded' });
    sources[0].emit('progress', { step: 2 });
    expect(progress.mock.calls).toEqual([[{ step: 1 }]]);
    expect(done).toHaveBeenCalledWith({ status: 'succeeded' });
    expect(sources[0].closed).toBe(true);
  });

  it('when the stream breaks before done, then it is closed and onLost is called once', () => {
    const source = new FakeEventSource('/e');
    const lost = vi.fn();
    followEvents(() => source, '/e', {}, lost);
    source.fail();
    source.fail();
    expect(lost).toHaveBeenCalledTimes(1);
    expect(source.closed).toBe(true);
  });
});

describe('ChexgenClient', () => {
  it('when the server answers an error body, then the ApiError carries its code, field and status', async () => {
    const client = new ChexgenClient(async () => new Response(JSON.stringify({ error: { code: 'INVALID_FIELD', message: 'steps: too many', field: 'steps' } }), { status: 400 }));
    await expect(client.submitSynthesis({ text: 'x' })).rejects.toMatchObject({ code: 'INVALID_FIELD', field: 'steps', status: 400, message: 'steps: too many' });
  });

  it('when the network fails, then the error says so', async () => {
    const client = new ChexgenClient(async () => { throw new TypeError('Failed to fetch'); });
    const error = await client.models().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'NETWORK' });
  });

  it('when a job is submitted, then it POSTs JSON to the API path', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ id: 'j1', status: 'queued' }), { status: 202 }));
    const client = new ChexgenClient(fetch, 'http://h');
    await client.submitCohort({ size: 2 });
    expect(fetch).toHaveBeenCalledWith('http://h/api/v1/cohorts', expect.objectContaining({ method: 'POST', body: '{"size":2}' }));
    expect(client.eventsUrl('syntheses', 'a/b')).toBe('http://h/api/v1/syntheses/a%2Fb/events');
  });
});

// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ChexgenClient } from '../api/ChexgenClient';
import { FakeEventSource, FakeHost } from '../test/fakes';
import { fakeFetch } from '../test/fakeServer';
import { SynthesisPanel } from './SynthesisPanel';

afterEach(cleanup);

const BOX = { uid: 'm1', measurementLabel: 'Nodule', imageId: 'wadors:1', x0: 600, y0: 180, x1: 690, y1: 260, sourceWidth: 1024, sourceHeight: 1024 };
const SEGMENT = { key: 's/1', segmentationId: 's', segmentIndex: 1, name: 'Heart', width: 4, height: 2, rle: [2, 3, 3], pixels: 3 };

function setup(fetchImpl = fakeFetch()) {
  const host = new FakeHost();
  const sources: FakeEventSource[] = [];
  const client = new ChexgenClient(fetchImpl.fetch);
  render(
    <SynthesisPanel client={client} host={host} debounceMs={0} random={() => 0.5} openEvents={(url) => { const s = new FakeEventSource(url); sources.push(s); return s; }} />,
  );
  return { host, sources, calls: fetchImpl.calls };
}
const cy = (id: string) => document.querySelector(`[data-cy="${id}"]`) as HTMLElement;

describe('SynthesisPanel', () => {
  it('when nothing is given, then Synthesize is disabled and says why; report text enables it and the prompt shows the prefix', async () => {
    setup();
    await screen.findByText(/cxr256-gpu-v1 1.0.0/);
    expect(cy('chexgen-synthesize')).toHaveProperty('disabled', true);
    expect(cy('chexgen-disabled-reason').textContent).toContain('give report text, a labelled box or a mapped segment');
    fireEvent.change(cy('chexgen-report-text'), { target: { value: 'Cardiomegaly.' } });
    fireEvent.change(cy('chexgen-sex'), { target: { value: 'M' } });
    fireEvent.change(cy('chexgen-age'), { target: { value: '71' } });
    fireEvent.click(screen.getByLabelText('effusion'));
    expect(cy('chexgen-prompt-preview').textContent).toBe('sex: male, age: 71. Findings: effusion. Cardiomegaly.');
    expect(cy('chexgen-synthesize')).toHaveProperty('disabled', false);
    expect(cy('chexgen-disabled-reason')).toBeNull();
  });

  it('when a box and a segment are labelled and the job runs, then the request carries them, progress and the result show, and open goes beside the source', async () => {
    const { host, sources, calls } = setup();
    host.boxes = [BOX];
    host.segments = [SEGMENT];
    await screen.findByText(/cxr256-gpu-v1/);
    act(() => host.changed());
    await waitFor(() => expect(cy('chexgen-box-label-0')).not.toBeNull());
    // the measurement label "Nodule" suggests the class; the segment named Heart maps to heart
    expect((cy('chexgen-box-label-0') as HTMLSelectElement).value).toBe('nodule');
    expect((cy('chexgen-mask-label-0') as HTMLSelectElement).value).toBe('heart');
    fireEvent.change(cy('chexgen-steps'), { target: { value: '3' } });
    fireEvent.click(cy('chexgen-link-source'));
    expect(cy('chexgen-link-source-hint').textContent).toContain('1.2.3.source');
    fireEvent.click(screen.getByRole('button', { name: 'random seed' }));
    expect((cy('chexgen-seed') as HTMLInputElement).value).toBe(String(Math.floor(0.5 * 2 ** 32)));
    fireEvent.click(cy('chexgen-synthesize'));
    await waitFor(() => expect(sources).toHaveLength(1));
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      boxes: [{ label: 'nodule', x0: 600, y0: 180, x1: 690, y1: 260 }], sourceWidth: 1024, sourceHeight: 1024,
      masks: [{ label: 'heart', width: 4, height: 2, rle: [2, 3, 3] }],
      // both guidance scales prefilled from the model (text 4, masks and boxes 1.5), so neither stands in for the other
      count: 1, seed: 2147483648, steps: 3, guidance: 4, spatialGuidance: 1.5, sampler: 'dpmpp-2m', sourceStudy: '1.2.3.source',
    });
    expect(sources[0].url).toBe('/api/v1/syntheses/job-1/events');
    expect(cy('chexgen-synthesize')).toHaveProperty('disabled', true);

    act(() => {
      sources[0].emit('status', { status: 'running' });
      sources[0].emit('progress', { image: 0, count: 1, step: 2, steps: 3, fraction: 0.66 });
    });
    expect(cy('chexgen-job-status').textContent).toBe('running');
    expect(cy('chexgen-progress-text').textContent).toBe('image 1 of 1, step 2 of 3');
    const result = { index: 0, seed: 2147483648, delivered: true, StudyInstanceUID: '2.25.9', SeriesInstanceUIDs: [], previewUrl: '/api/v1/syntheses/job-1/preview/0.png' };
    act(() => {
      sources[0].emit('result', result);
      sources[0].emit('done', { id: 'job-1', status: 'succeeded', results: [result], error: null, progress: { image: 0, count: 1, step: 3, steps: 3, fraction: 1 } });
    });
    expect(cy('chexgen-job-status').textContent).toBe('succeeded');
    expect(screen.getByAltText(/synthetic image 1/).getAttribute('src')).toBe('/api/v1/syntheses/job-1/preview/0.png');
    expect(sources[0].closed).toBe(true);
    fireEvent.click(cy('chexgen-open-0'));
    expect(host.opened).toEqual([['1.2.3.source', '2.25.9']]);
  });

  it('when the user does not tick "link the open study", then the request does not carry its UID; results still open beside it (issue 13)', async () => {
    const { host, sources, calls } = setup();
    await screen.findByText(/cxr256-gpu-v1/);
    expect((cy('chexgen-link-source') as HTMLInputElement).checked).toBe(false);
    expect(cy('chexgen-link-source-hint').textContent).toMatch(/nothing of the open study is sent/);
    fireEvent.change(cy('chexgen-report-text'), { target: { value: 'Normal.' } });
    fireEvent.click(cy('chexgen-synthesize'));
    await waitFor(() => expect(sources).toHaveLength(1));
    const body = calls.find((c) => c.method === 'POST')?.body as Record<string, unknown>;
    expect(body).not.toHaveProperty('sourceStudy');
    const result = { index: 0, seed: 1, delivered: true, StudyInstanceUID: '2.25.7', SeriesInstanceUIDs: [], previewUrl: '/api/v1/syntheses/job-1/preview/0.png' };
    act(() => sources[0].emit('done', { id: 'job-1', status: 'succeeded', results: [result], error: null, progress: { image: 0, count: 1, step: 1, steps: 1, fraction: 1 } }));
    fireEvent.click(cy('chexgen-open-0'));
    expect(host.opened).toEqual([['1.2.3.source', '2.25.7']]); // opening side by side stays in the viewer
  });

  it('when the server refuses the request, then its code, field and message are shown', async () => {
    setup(fakeFetch((c) => (c.method === 'POST' ? { status: 400, body: { error: { code: 'INVALID_FIELD', field: 'boxes[0].label', message: 'boxes[0].label: unknown box label "x"' } } } : undefined)));
    await screen.findByText(/cxr256-gpu-v1/);
    fireEvent.change(cy('chexgen-report-text'), { target: { value: 'x' } });
    fireEvent.click(cy('chexgen-synthesize'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('INVALID_FIELD (boxes[0].label): boxes[0].label: unknown box label "x"');
    expect(cy('chexgen-synthesize')).toHaveProperty('disabled', false);
  });

  it('when a running job is canceled, then DELETE is sent and the job shows canceled', async () => {
    const { sources, calls } = setup(fakeFetch((c) => (c.method === 'DELETE' ? { status: 200, body: { id: 'job-1', status: 'canceled' } } : undefined)));
    await screen.findByText(/cxr256-gpu-v1/);
    fireEvent.change(cy('chexgen-report-text'), { target: { value: 'x' } });
    fireEvent.click(cy('chexgen-synthesize'));
    await waitFor(() => expect(sources).toHaveLength(1));
    act(() => sources[0].emit('status', { status: 'running' }));
    fireEvent.click(cy('chexgen-cancel'));
    await waitFor(() => expect(cy('chexgen-job-status').textContent).toBe('canceled'));
    expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/v1/syntheses/job-1')).toBe(true);
  });

  it('when the event stream breaks, then the panel polls the job until it ends and shows its error', async () => {
    const failed = { id: 'job-1', status: 'failed', results: [], error: { code: 'PACS_UNAVAILABLE', message: 'the PACS stayed unreachable', field: null } };
    const { sources } = setup(fakeFetch((c) => (c.method === 'GET' && c.path === '/api/v1/syntheses/job-1' ? { status: 200, body: failed } : undefined)));
    await screen.findByText(/cxr256-gpu-v1/);
    fireEvent.change(cy('chexgen-report-text'), { target: { value: 'x' } });
    fireEvent.click(cy('chexgen-synthesize'));
    await waitFor(() => expect(sources).toHaveLength(1));
    act(() => sources[0].fail());
    expect((await screen.findByRole('alert')).textContent).toContain('PACS_UNAVAILABLE');
    expect(cy('chexgen-job-status').textContent).toBe('failed');
  });

  it('when the model list cannot be loaded, then the panel shows the error instead of a form', async () => {
    setup(fakeFetch((c) => (c.path === '/api/v1/models' ? { status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'a bearer token is required', field: null } } } : undefined)));
    expect((await screen.findByRole('alert')).textContent).toBe('UNAUTHORIZED: a bearer token is required');
  });
});

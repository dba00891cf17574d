// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ChexgenClient } from '../api/ChexgenClient';
import { FakeEventSource, FakeHost } from '../test/fakes';
import { fakeFetch } from '../test/fakeServer';
import { SynthesisPanel } from './SynthesisPanel';

afterEach(cleanup);
const cy = (id: string) => document.querySelector(`[data-cy="${id}"]`) as HTMLElement;

describe('CohortDialog', () => {
  it('when a cohort is submitted, then the request carries size, seed and distributions, progress shows and the manifest is linked at the end', async () => {
    const server = fakeFetch();
    const sources: FakeEventSource[] = [];
    render(<SynthesisPanel client={new ChexgenClient(server.fetch)} host={new FakeHost()} openEvents={(url) => { const s = new FakeEventSource(url); sources.push(s); return s; }} />);
    await screen.findByText(/cxr256-gpu-v1/);
    fireEvent.click(cy('chexgen-open-cohort'));
    expect(screen.getByRole('dialog', { name: 'Synthetic cohort' })).toBeTruthy();
    fireEvent.change(cy('chexgen-cohort-size'), { target: { value: '2' } });
    fireEvent.change(cy('chexgen-cohort-seed'), { target: { value: '11' } });
    fireEvent.change(cy('chexgen-cohort-sex-M'), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('prevalence of nodule'), { target: { value: '0.3' } });
    fireEvent.click(cy('chexgen-cohort-submit'));
    await waitFor(() => expect(sources).toHaveLength(1));
    expect(server.calls.find((c) => c.method === 'POST')?.body).toEqual({
      size: 2, seed: 11, sex: { F: 1 }, view: { PA: 3, AP: 1 }, ageBands: { '20-39': 1, '40-59': 1, '60-79': 1, '80-99': 0.5 }, findings: { nodule: 0.3 }, layout: 'templates',
    });
    expect(sources[0].url).toBe('/api/v1/cohorts/cohort-1/events');
    act(() => {
      sources[0].emit('status', { status: 'running' });
      sources[0].emit('progress', { done: 1, failed: 0, total: 2, fraction: 0.5 });
    });
    expect(cy('chexgen-cohort-status').textContent).toBe('running1 of 2 done (50%)');
    expect(cy('chexgen-cohort-manifest')).toBeNull();
    act(() => sources[0].emit('done', { id: 'cohort-1', status: 'succeeded', progress: { done: 2, failed: 0, total: 2, fraction: 1 }, manifest: { json: '/api/v1/cohorts/cohort-1/manifest.json', csv: '/api/v1/cohorts/cohort-1/manifest.csv' }, contactSheet: '/api/v1/cohorts/cohort-1/contact-sheet.png', error: null }));
    await waitFor(() => expect(cy('chexgen-cohort-manifest')).not.toBeNull());
    expect(screen.getByText('JSON').getAttribute('href')).toBe('/api/v1/cohorts/cohort-1/manifest.json');
    expect(screen.getByText('CSV').getAttribute('href')).toBe('/api/v1/cohorts/cohort-1/manifest.csv');
    expect(cy('chexgen-cohort-sheet')?.querySelector('img')?.getAttribute('src')).toBe('/api/v1/cohorts/cohort-1/contact-sheet.png');
  });

  it('when the size is out of range, then the submit button is disabled with the reason', async () => {
    render(<SynthesisPanel client={new ChexgenClient(fakeFetch().fetch)} host={new FakeHost()} openEvents={(url) => new FakeEventSource(url)} />);
    await screen.findByText(/cxr256-gpu-v1/);
    fireEvent.click(cy('chexgen-open-cohort'));
    fireEvent.change(cy('chexgen-cohort-size'), { target: { value: '5000' } });
    expect(cy('chexgen-cohort-submit')).toHaveProperty('disabled', true);
    expect(screen.getByText(/Cannot submit: size: size must be 1-1000/)).toBeTruthy();
    fireEvent.click(cy('chexgen-cohort-close'));
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});

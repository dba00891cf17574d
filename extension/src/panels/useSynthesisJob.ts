import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, type ChexgenClient } from '../api/ChexgenClient';
import { followEvents, type EventSourceFactory } from '../api/followEvents';
import { pollJob } from '../api/pollJob';
import { type ErrorBody, type JobStatus, type SynthesisJob, type SynthesisProgress, type SynthesisRequestBody, type SynthesisResult } from '../contract';

export type SynthesisJobState = {
  phase: 'idle' | 'submitting' | JobStatus;
  id?: string;
  progress?: SynthesisProgress;
  results: SynthesisResult[];
  error?: ErrorBody;
};

const IDLE: SynthesisJobState = { phase: 'idle', results: [] };

/**
 * Submits a synthesis job and follows it: progress, results and the end state from the job's SSE stream
 * (`status`, `progress`, `result`, `done`), falling back to polling `GET /syntheses/{id}` when the stream breaks.
 * Server errors (submit, cancel, job failure) land in `state.error` as the server wrote them.
 */
export function useSynthesisJob(client: ChexgenClient, openEvents: EventSourceFactory, pollMs = 1000) {
  const [state, setState] = useState<SynthesisJobState>(IDLE);
  const stop = useRef<() => void>(() => undefined);
  useEffect(() => () => stop.current(), []);

  const finish = useCallback((job: SynthesisJob) => {
    setState((s) => ({ ...s, phase: job.status, progress: job.progress ?? s.progress, results: job.results ?? s.results, error: job.error ?? undefined }));
  }, []);

  const poll = useCallback(
    (id: string) => {
      stop.current = pollJob(() => client.synthesis(id), finish, (error) => setState((s) => ({ ...s, error: toErrorBody(error) })), pollMs);
    },
    [client, finish, pollMs],
  );

  const submit = useCallback(
    async (request: SynthesisRequestBody) => {
      stop.current();
      setState({ phase: 'submitting', results: [] });
      let id: string;
      try {
        id = (await client.submitSynthesis(request)).id;
      } catch (error) {
        setState({ phase: 'idle', results: [], error: toErrorBody(error) });
        return;
      }
      setState({ phase: 'queued', id, results: [] });
      stop.current = followEvents(
        openEvents,
        client.eventsUrl('syntheses', id),
        {
          status: (data) => {
            const status = (data as { status?: JobStatus }).status;
            if (status) setState((s) => ({ ...s, phase: status }));
          },
          progress: (data) => setState((s) => ({ ...s, progress: data as SynthesisProgress })),
          result: (data) => {
            const result = data as SynthesisResult;
            setState((s) => ({ ...s, results: [...s.results.filter((r) => r.index !== result.index), result].sort((a, b) => a.index - b.index) }));
          },
          done: (data) => finish(data as SynthesisJob),
        },
        () => poll(id),
      );
    },
    [client, openEvents, finish, poll],
  );

  const cancel = useCallback(async () => {
    const id = state.id;
    if (id === undefined) return;
    try {
      const answer = await client.cancelSynthesis(id);
      if (answer.status === 'canceled') setState((s) => ({ ...s, phase: 'canceled' }));
    } catch (error) {
      setState((s) => ({ ...s, error: toErrorBody(error) }));
    }
  }, [client, state.id]);

  const reset = useCallback(() => {
    stop.current();
    setState(IDLE);
  }, []);

  return { state, submit, cancel, reset };
}

/** An error as the panel shows it: the server's `{ code, message, field }` or the exception's message. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof ApiError) return { code: error.code, message: error.message, ...(error.field !== null ? { field: error.field } : {}) };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

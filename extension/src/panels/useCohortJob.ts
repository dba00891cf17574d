import { useCallback, useEffect, useRef, useState } from 'react';
import type { ChexgenClient } from '../api/ChexgenClient';
import { followEvents, type EventSourceFactory } from '../api/followEvents';
import { pollJob } from '../api/pollJob';
import { type ErrorBody, type CohortJob, type CohortProgress, type CohortRequestBody, type JobStatus } from '../contract';
import { toErrorBody } from './useSynthesisJob';

export type CohortJobState = {
  phase: 'idle' | 'submitting' | JobStatus;
  id?: string;
  progress?: CohortProgress;
  manifest?: { json: string; csv: string };
  contactSheet?: string;
  error?: ErrorBody;
};

/**
 * Submits a cohort job (`POST /api/v1/cohorts`) and follows its SSE stream (`status`, `progress`, `done`), polling
 * `GET /cohorts/{id}` when the stream breaks; the manifest links come with the finished job.
 */
export function useCohortJob(client: ChexgenClient, openEvents: EventSourceFactory, pollMs = 1000) {
  const [state, setState] = useState<CohortJobState>({ phase: 'idle' });
  const stop = useRef<() => void>(() => undefined);
  useEffect(() => () => stop.current(), []);

  const apply = useCallback((job: CohortJob) => {
    setState((s) => ({ ...s, phase: job.status, progress: job.progress ?? s.progress, manifest: job.manifest ?? s.manifest, contactSheet: job.contactSheet ?? s.contactSheet, error: undefined }));
  }, []);

  const poll = useCallback(
    (id: string) => {
      stop.current = pollJob(() => client.cohort(id), apply, (error) => setState((s) => ({ ...s, error: toErrorBody(error) })), pollMs);
    },
    [client, apply, pollMs],
  );

  const submit = useCallback(
    async (request: CohortRequestBody) => {
      stop.current();
      setState({ phase: 'submitting' });
      let id: string;
      try {
        id = (await client.submitCohort(request)).id;
      } catch (error) {
        setState({ phase: 'idle', error: toErrorBody(error) });
        return;
      }
      setState({ phase: 'queued', id });
      stop.current = followEvents(
        openEvents,
        client.eventsUrl('cohorts', id),
        {
          status: (data) => {
            const status = (data as { status?: JobStatus }).status;
            if (status) setState((s) => ({ ...s, phase: status }));
          },
          progress: (data) => setState((s) => ({ ...s, progress: data as CohortProgress })),
          // the done event carries the whole job; read it again in case it lacks the manifest links
          done: (data) => {
            apply(data as CohortJob);
            client.cohort(id).then(apply, () => undefined);
          },
        },
        () => poll(id),
      );
    },
    [client, openEvents, apply, poll],
  );

  const cancel = useCallback(async () => {
    if (state.id === undefined) return;
    try {
      const answer = await client.cancelCohort(state.id);
      if (answer.status === 'canceled') setState((s) => ({ ...s, phase: 'canceled' }));
    } catch (error) {
      setState((s) => ({ ...s, error: toErrorBody(error) }));
    }
  }, [client, state.id]);

  return { state, submit, cancel };
}

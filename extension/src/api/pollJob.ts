import { FINAL_STATUSES, type JobStatus } from '../contract';

/**
 * Reads a job every `pollMs` until it reaches a final status (the fallback when its event stream breaks). Each
 * answer goes to `onJob`, each failure to `onError` (polling goes on). Returns the function that stops it.
 */
export function pollJob<J extends { status: JobStatus }>(
  fetchJob: () => Promise<J>,
  onJob: (job: J) => void,
  onError: (error: unknown) => void,
  pollMs: number,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const tick = async (): Promise<void> => {
    try {
      const job = await fetchJob();
      if (stopped) return;
      onJob(job);
      if (FINAL_STATUSES.includes(job.status)) return;
    } catch (error) {
      if (stopped) return;
      onError(error);
    }
    timer = setTimeout(() => void tick(), pollMs);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

import type { Logger } from 'pino';

/**
 * Keeps a long-running command (`serve`, `worker`) alive until SIGTERM or SIGINT, then closes it once. A second
 * signal exits at once (130), for an operator who does not want to wait for running jobs to be handed back.
 */
export function runUntilSignal(logger: Logger, close: () => Promise<void>, closingMessage: string): Promise<void> {
  return new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      logger.info({ signal }, closingMessage);
      close().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

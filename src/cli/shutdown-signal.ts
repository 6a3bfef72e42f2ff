import type { Logger } from '../observability/logger.js';

/** Resolves on the first SIGTERM or SIGINT: long-running commands then shut down once, gracefully. */
export function shutdownSignal(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

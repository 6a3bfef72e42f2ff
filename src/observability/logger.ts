import { pino, type Logger } from 'pino';

export type { Logger };

/** The process logger: structured JSON on stderr so stdout stays free for command output. */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({ name: options.name ?? 'vigil', level: options.level ?? 'info' }, pino.destination(2));
}

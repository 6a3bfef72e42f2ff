/** Flag parsing shared by the commands: usage errors exit 2 with the usage text, `--help` exits 0. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CommandIo } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T }>>['values'];

export type CommandArgs<T extends Options> = { ok: true; values: Values<T> } | { ok: false; exitCode: number };

export function parseCommandArgs<T extends Options>(command: string, argv: readonly string[], options: T, usage: string, io: CommandIo): CommandArgs<T> {
  try {
    const { values } = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } } });
    if ((values as { help?: boolean }).help) {
      io.stdout(usage);
      return { ok: false, exitCode: 0 };
    }
    return { ok: true, values: values as Values<T> };
  } catch (error) {
    io.stderr(`vigil ${command}: ${(error as Error).message}\n\n${usage}`);
    return { ok: false, exitCode: 2 };
  }
}

/** Reports a usage error the same way parse errors are reported. */
export function usageError(command: string, message: string, usage: string, io: CommandIo): number {
  io.stderr(`vigil ${command}: ${message}\n\n${usage}`);
  return 2;
}

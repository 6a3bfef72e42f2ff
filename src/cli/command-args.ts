/** Flag parsing shared by the commands: usage errors exit 2 with the usage text, `--help` exits 0. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, type OptionDoc } from '../config/config.js';
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

/** One option in a command's usage text: flag, description, environment variable and default (when it has one). */
export function optionLine(o: OptionDoc): string {
  return `  --${o.flag.padEnd(18)} ${o.description} (env ${o.env}${o.default ? `, default ${JSON.stringify(o.default)}` : ''})`;
}

/** Resolves a command's configuration; a ConfigError (a bad flag or VIGIL_* value) is a usage error, exit 2. */
export function resolveCommandConfig<T>(command: string, io: CommandIo, resolve: () => T): { ok: true; config: T } | { ok: false; exitCode: number } {
  try {
    return { ok: true, config: resolve() };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr(`vigil ${command}: ${error.message}\n`);
    return { ok: false, exitCode: 2 };
  }
}

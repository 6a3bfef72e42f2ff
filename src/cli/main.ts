#!/usr/bin/env node
/**
 * The `vigil` binary: a thin dispatcher. Each command lives in `commands/<name>.ts` and exports
 * `run(argv, io): Promise<number>` (the exit code), so commands stay small and testable in-process.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandIo } from './io.js';

const commandsDir = new URL('./commands/', import.meta.url);

function commandNames(): string[] {
  return readdirSync(fileURLToPath(commandsDir))
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts') && !f.endsWith('.map') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -extname(f).length))
    .sort();
}

export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  const names = commandNames();
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`usage: vigil <command> [options]\n\ncommands: ${names.join(', ')}\n\nRun "vigil <command> --help" for a command's options.\n`);
    return name ? 0 : 2;
  }
  if (!names.includes(name)) {
    io.stderr(`vigil: unknown command "${name}" (commands: ${names.join(', ')})\n`);
    return 2;
  }
  const ext = extname(fileURLToPath(import.meta.url));
  const module = (await import(new URL(`./commands/${name}${ext}`, import.meta.url).href)) as {
    run(argv: readonly string[], io: CommandIo): Promise<number>;
  };
  return module.run(rest, io);
}

// Run when executed as a program (also through the npm bin symlink), not when imported by tests.
const invokedDirectly = process.argv[1] !== undefined && dirname(fileURLToPath(import.meta.url)) === dirname(realpathSync(process.argv[1]));
if (invokedDirectly) {
  main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    cwd: process.cwd(),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`vigil: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

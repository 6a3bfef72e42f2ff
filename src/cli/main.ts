/**
 * The `vigil` binary: a thin dispatcher. Each command lives in `commands/<name>.ts` and exports
 * `run(argv, io): Promise<number>` (the exit code), so commands stay small and testable in-process.
 */
import { readdirSync } from 'node:fs';
import { extname } from 'node:path';
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

#!/usr/bin/env node
/** The `vigil` executable: runs the dispatcher with the real process streams and sets the exit code. */
import { main } from './main.js';

// A reader that stops early (`vigil generate … | head -1`) closes the pipe: end quietly with the status a
// process killed by SIGPIPE would have, instead of an unhandled 'error' event and its stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(141);
    throw error;
  });
}

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
    // One line for users; the stack only on request.
    process.stderr.write(`vigil: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}\n`);
    if (process.env.VIGIL_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  },
);

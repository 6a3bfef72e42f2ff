import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { checkLongestFirst, LongestFirstSequencer } from './test/support/longest-first-sequencer.js';

checkLongestFirst(fileURLToPath(new URL('.', import.meta.url)));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real Prometheus, Redis and Alertmanager processes; give them room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker per core less one: on the 2-core CI machine, one file at a time. The
    // long files mostly wait on real clocks (an alert's `for`, a live stretch, an outage held for minutes)
    // with the CPU idle, so two files at a time overlap that waiting with other files' work. Not more: with
    // three (tried on the busy shared 2-core machine) the CI soak, the demo smoke test and the live backtest
    // starved each other's real processes and timed out. `npx vitest run --maxWorkers=1`: one at a time.
    maxWorkers: 2,
    // Long files first (see the sequencer), so they do not end the run alone.
    sequence: { sequencer: LongestFirstSequencer },
  },
});

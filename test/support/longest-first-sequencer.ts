/**
 * The suite's file order: the long files first, so they overlap the many short ones instead of running
 * alone at the end. Vitest's own order puts the longest files first only once it has their durations from an
 * earlier run (node_modules/.vite); a fresh clone (CI) has none and gets the largest files first, which left
 * the demo smoke test, the CI soak and the live backtest (each two to four minutes, mostly waiting on real
 * clocks: `for` durations, live stretches, outages) to start late and end the run alone.
 *
 * LONGEST_FIRST lists the files that take a minute or more on a quiet machine, longest or most
 * waiting-bound first; every other file keeps vitest's default order after them. A file that is renamed or
 * deleted must leave the list: vitest.config.ts fails at once on a listed file that does not exist.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Longest first, with the files that mostly wait (on Prometheus's `for`, a live stretch, an outage held for
 * two minutes) placed between the ones that start with minutes of CPU work (backfills, four processes
 * starting), so the CPU-heavy starts do not all fall on the same two cores at once.
 */
export const LONGEST_FIRST: readonly string[] = [
  'test/deploy/demo-smoke.test.ts', // backfill, then `vigil all` until the page's 2 m `for` and Alertmanager
  'test/worker/fault-prometheus-down.test.ts', // Prometheus held down for two minutes
  'test/deploy/live-backtest.test.ts', // blocks and backfill, then a two-minute live stretch
  'test/soak/soak-ci.test.ts', // four processes starting, then faults on a timetable
  'test/deploy/demo-victoria-metrics.test.ts', // the demo on VictoriaMetrics and vmalert
  'test/controller/kubernetes-controller.test.ts', // the API server down for 30 s
  'test/import/sloth-equivalence.test.ts',
  'test/deploy/dashboards.test.ts',
  'test/rules/promtool-scenarios.test.ts',
  'test/api/server.test.ts',
  'test/health/synthetic-mesh.test.ts',
  'test/controller/cli.test.ts',
  'test/history/backtest-proof.test.ts',
  'test/worker/redis-cluster.test.ts',
];

/** Throws when a listed file is missing under `root` (a stale list would silently lose its ordering). */
export function checkLongestFirst(root: string): void {
  const missing = LONGEST_FIRST.filter((file) => !existsSync(join(root, file)));
  if (missing.length > 0) throw new Error(`test/support/longest-first-sequencer.ts lists test files that do not exist: ${missing.join(', ')}`);
}

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const byDefault = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const index = LONGEST_FIRST.indexOf(relative(this.ctx.config.root, spec.moduleId).replaceAll('\\', '/'));
      return index === -1 ? LONGEST_FIRST.length : index;
    };
    // Array.prototype.sort is stable: unlisted files keep the default order among themselves.
    return [...byDefault].sort((a, b) => rank(a) - rank(b));
  }
}

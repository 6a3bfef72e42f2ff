/**
 * The chaos soak's CI version (`npm run soak -- --ci`): real Redis and Prometheus, `vigil controller`, two
 * `vigil worker`s and `vigil api` as processes, 40 SLOs and 40 health entities; each role SIGKILLed in turn,
 * Redis restarted empty, Prometheus stopped for 10 s, SLO files broken and fixed, the API under load with
 * mixed tokens. Fails on a lost SLO, a false page, an unexpected 5xx, a figure off the exact ratio or a fault
 * the system does not recover from. About 2 minutes on a busy 2-core machine.
 */
import { describe, expect, it } from 'vitest';
import { ciSoakOptions, formatReport, runSoak } from './soak.js';

describe('chaos soak (CI version)', () => {
  it('loses no SLO, pages nobody falsely, answers no unexpected 5xx, keeps figures exact and recovers from every fault', async () => {
    const options = ciSoakOptions((line) => {
      process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
    });
    const report = await runSoak(options);
    const summary = formatReport(report, options.label);
    process.stdout.write(`${summary}\n`);
    expect(report.recoveries.map((r) => r.fault)).toEqual([
      'start-up',
      'SIGKILL worker-a',
      'SIGKILL controller',
      'SIGKILL api',
      'SIGKILL worker-b',
      'redis killed and restarted empty',
      `prometheus stopped ${options.prometheusOutageMs / 1000} s`,
      'final check',
    ]);
    expect(report.recoveries.filter((r) => r.recoveredMs === undefined).map((r) => r.fault), summary).toEqual([]);
    expect(report.lostSlos, summary).toEqual([]);
    expect(report.falsePages, summary).toEqual([]);
    expect(report.unexpected5xx, summary).toBe(0);
    expect(report.wrongFigures, summary).toBe(0);
    // The checks ran: figures compared, requests made, files broken and fixed, results looked at between faults.
    expect(report.figuresChecked).toBeGreaterThan(report.slos);
    expect(report.requests).toBeGreaterThan(100);
    expect(report.statusCounts['401']).toBeGreaterThan(0);
    expect(report.fileEdits).toBeGreaterThan(2);
    expect(report.resultChecks).toBeGreaterThan(0);
    expect(report.ok).toBe(true);
  }, 300_000);
});

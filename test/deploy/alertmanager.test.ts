/**
 * deploy/alertmanager/alertmanager.yml: amtool accepts it and routes page and ticket alerts to their
 * receivers; a real Alertmanager inhibits an SLO's ticket while its page fires and delivers the rest.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand, waitFor } from '../support/processes.js';
import { startAlertmanager } from '../support/alertmanager.js';
import { startAlertReceiver } from '../../src/demo/alert-receiver.js';

const root = join(import.meta.dirname, '../..');
const configPath = join(root, 'deploy/alertmanager/alertmanager.yml');

function burn(slo: string, severity: 'page' | 'ticket', policy: string): Record<string, string> {
  return { alertname: 'VigilErrorBudgetBurn', slo, namespace: 'shop', service: slo.split('-')[0]!, severity, policy };
}

describe('alertmanager example', () => {
  it('passes amtool check-config', async () => {
    const result = await runCommand('amtool', ['check-config', configPath]);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it.each([
    ['a fast-burn page', burn('checkout-availability', 'page', 'workbook-page-fast'), 'pager'],
    ['a slow-burn page', burn('checkout-availability', 'page', 'workbook-page-slow'), 'pager'],
    ['a ticket', burn('checkout-availability', 'ticket', 'workbook-ticket'), 'tickets'],
    ['a self-monitoring page', { alertname: 'VigilWorkerDown', severity: 'page' }, 'pager'],
    ['an alert without severity', { alertname: 'Watchdog' }, 'default'],
  ])('routes %s to %s (amtool config routes test)', async (_name, labels, receiver) => {
    const args = ['config', 'routes', 'test', `--config.file=${configPath}`, `--verify.receivers=${receiver}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)];
    const result = await runCommand('amtool', args);
    expect(result.stdout.trim()).toBe(receiver);
    expect(result.code).toBe(0);
  });

  it('amtool notices a wrong receiver (the check above can fail)', async () => {
    const result = await runCommand('amtool', ['config', 'routes', 'test', `--config.file=${configPath}`, '--verify.receivers=pager', 'severity=ticket']);
    expect(result.code).not.toBe(0);
  });

  it('a real Alertmanager inhibits the ticket while the page fires for the same SLO, and delivers the rest', async () => {
    // The demo's receiver (src/demo/alert-receiver.ts) on a free port.
    const receiver = await startAlertReceiver({ port: 0 });
    const port = receiver.port;
    // Same routes and inhibition; only the receivers' address and the waits are shortened for the test.
    const yaml = readFileSync(configPath, 'utf8')
      .replaceAll('http://127.0.0.1:9095/', `http://127.0.0.1:${port}/`)
      .replace(/group_wait: \w+/g, 'group_wait: 1s');
    const am = await startAlertmanager(yaml);
    try {
      await am.post([
        { labels: burn('checkout-availability', 'page', 'workbook-page-fast') },
        { labels: burn('checkout-availability', 'ticket', 'workbook-ticket') },
        { labels: burn('payments-availability', 'ticket', 'workbook-ticket') },
      ]);
      const alerts = await waitFor('three alerts processed', async () => {
        const all = await am.alerts();
        return all.length === 3 && all.every((a) => a.status.state !== 'unprocessed') ? all : undefined;
      });
      const state = (slo: string, severity: string) => alerts.find((a) => a.labels.slo === slo && a.labels.severity === severity)!.status;
      expect(state('checkout-availability', 'page').state).toBe('active');
      expect(state('checkout-availability', 'ticket').state).toBe('suppressed');
      expect(state('checkout-availability', 'ticket').inhibitedBy.length).toBe(1);
      expect(state('payments-availability', 'ticket').state).toBe('active');

      const received = () => receiver.notifications();
      await waitFor('page and ticket delivered', async () => received().some((n) => n.receiver === 'page') && received().some((n) => n.receiver === 'ticket'), { timeoutMs: 20_000 });
      await new Promise((r) => setTimeout(r, 1500));
      const delivered = received().map((n) => `${n.receiver} ${n.labels.slo} ${n.labels.severity} ${n.status}`);
      expect(delivered.sort()).toEqual(['page checkout-availability page firing', 'ticket payments-availability ticket firing']);
      const listed = (await (await fetch(`${receiver.url}/notifications`)).json()) as unknown[];
      expect(listed.length).toBe(2);
    } finally {
      await am.stop();
      await receiver.close();
    }
  });
});

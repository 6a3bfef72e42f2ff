/**
 * deploy/alertmanager/alertmanager.yml: amtool accepts it and routes page and ticket alerts to their
 * receivers; a real Alertmanager inhibits an SLO's ticket while its page fires and delivers the rest.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand, waitFor } from '../support/processes.js';
import { startAlertmanager } from '../support/alertmanager.js';

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
    const received: Array<{ path: string; alerts: Array<{ labels: Record<string, string> }> }> = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', ...(JSON.parse(body) as { alerts: Array<{ labels: Record<string, string> }> }) });
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as AddressInfo).port;
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

      await waitFor('page and ticket delivered', async () => received.some((r) => r.path === '/page') && received.some((r) => r.path === '/ticket'), { timeoutMs: 20_000 });
      await new Promise((r) => setTimeout(r, 1500));
      const delivered = received.flatMap((r) => r.alerts.map((a) => `${r.path} ${a.labels.slo} ${a.labels.severity}`));
      expect(delivered.sort()).toEqual(['/page checkout-availability page', '/ticket payments-availability ticket']);
    } finally {
      await am.stop();
      receiver.close();
    }
  });
});

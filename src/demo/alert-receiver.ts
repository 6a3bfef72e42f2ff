/**
 * The demo's notification sink: an Alertmanager webhook receiver on loopback that prints every page and
 * ticket it gets (deploy/alertmanager/alertmanager.yml sends /page, /ticket and /default to
 * 127.0.0.1:9095) and lists them at GET /notifications for smoke tests.
 */
import { createServer } from 'node:http';
import { listenHttp } from '../runtime/ports.js';

export interface Notification {
  /** `page`, `ticket` or `default` (the webhook path). */
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Unix milliseconds when it arrived. */
  readonly receivedAt: number;
}

export interface AlertReceiver {
  readonly url: string;
  readonly port: number;
  notifications(): readonly Notification[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface WebhookBody {
  alerts?: Array<{ status: 'firing' | 'resolved'; labels: Record<string, string>; annotations?: Record<string, string> }>;
}

/** One line per alert, e.g. `PAGE firing shop/checkout-availability (workbook-page-fast): …summary`. */
export function formatNotification(n: Notification): string {
  const what = `${n.labels.namespace ?? ''}/${n.labels.slo ?? n.labels.alertname ?? '?'}`;
  const policy = n.labels.policy ? ` (${n.labels.policy})` : '';
  return `${n.receiver.toUpperCase()} ${n.status} ${what}${policy}: ${n.annotations.summary ?? n.labels.alertname ?? ''}`;
}

export async function startAlertReceiver(options: { host?: string; port?: number; log?: (line: string) => void } = {}): Promise<AlertReceiver> {
  const received: Notification[] = [];
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/notifications') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
      return;
    }
    if (req.method !== 'POST') return void res.writeHead(405).end();
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
      if (body.length > 5 * 2 ** 20) req.destroy();
    });
    req.on('end', () => {
      try {
        const parsed = JSON.parse(body) as WebhookBody;
        const receiver = (req.url ?? '/').replace(/^\//, '') || 'default';
        for (const a of parsed.alerts ?? []) {
          const n: Notification = { receiver, status: a.status, labels: a.labels, annotations: a.annotations ?? {}, receivedAt: Date.now() };
          received.push(n);
          options.log?.(formatNotification(n));
        }
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end('expected an Alertmanager webhook payload\n');
      }
    });
  });
  const { url, port, close } = await listenHttp(server, options.port ?? 9095, options.host ?? '127.0.0.1');
  return { url, port, notifications: () => received, close, [Symbol.asyncDispose]: close };
}

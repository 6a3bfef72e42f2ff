/**
 * The Kubernetes API clients the controller uses (the generated client-node 1.4 APIs), with two fixes
 * applied through request middleware: one shared keep-alive agent (1.4 makes a fresh agent, hence a fresh
 * TCP/TLS connection, per request) and a per-request timeout (1.4 has none).
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  CoordinationV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type ConfigurationOptions,
  type KubeConfig,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';

export const vigilGroup = 'sre.vigil.dev';
export const vigilVersion = 'v1alpha1';

export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
}

export const gvr = {
  ServiceLevelIndicatorTemplate: { group: vigilGroup, version: vigilVersion, plural: 'servicelevelindicatortemplates', kind: 'ServiceLevelIndicatorTemplate' },
  ServiceLevelObjective: { group: vigilGroup, version: vigilVersion, plural: 'servicelevelobjectives', kind: 'ServiceLevelObjective' },
  AlertingPolicy: { group: vigilGroup, version: vigilVersion, plural: 'alertingpolicies', kind: 'AlertingPolicy' },
  PrometheusRule: { group: 'monitoring.coreos.com', version: 'v1', plural: 'prometheusrules', kind: 'PrometheusRule' },
} as const satisfies Record<string, GroupVersionResource>;

export interface KubeClients {
  readonly custom: CustomObjectsApi;
  readonly coordination: CoordinationV1Api;
  /** Per-call options: keep-alive agent and timeout. */
  readonly options: ConfigurationOptions;
  /** Options for a merge patch (`application/merge-patch+json`). */
  readonly mergePatch: ConfigurationOptions;
  /** Options for server-side apply (`application/apply-patch+yaml`). */
  readonly apply: ConfigurationOptions;
  readonly agent: HttpAgent;
  readonly kubeConfig: KubeConfig;
  close(): void;
}

export async function createKubeClients(kubeConfig: KubeConfig, { requestTimeoutMs = 30_000 } = {}): Promise<KubeClients> {
  const server = kubeConfig.getCurrentCluster()?.server ?? '';
  const tls: Record<string, unknown> = {};
  await kubeConfig.applyToHTTPSOptions(tls);
  const agentOptions = {
    keepAlive: true,
    maxSockets: 32,
    ca: tls.ca as string | Buffer | undefined,
    cert: tls.cert as string | Buffer | undefined,
    key: tls.key as string | Buffer | undefined,
    ...(kubeConfig.getCurrentCluster()?.skipTLSVerify ? { rejectUnauthorized: false } : {}),
  };
  const agent = server.startsWith('https:') ? new HttpsAgent(agentOptions) : new HttpAgent({ keepAlive: true, maxSockets: 32 });
  // The generated types expect the rxjs stub's Observable class; an object of the same shape works.
  const options = {
    middleware: [
      {
        pre: (request: RequestContext) => {
          request.setAgent(agent);
          request.setSignal(AbortSignal.timeout(requestTimeoutMs));
          return observableOf(request);
        },
        post: (response: ResponseContext) => observableOf(response),
      },
    ],
    middlewareMergeStrategy: 'append',
  } as unknown as ConfigurationOptions;
  return {
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    coordination: kubeConfig.makeApiClient(CoordinationV1Api),
    options,
    mergePatch: setHeaderOptions('Content-Type', PatchStrategy.MergePatch, options),
    apply: setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply, options),
    agent,
    kubeConfig,
    close: () => agent.destroy(),
  };
}

/** The generated client's middleware returns its rxjs stub's Observable: a promise with toPromise/pipe. */
function observableOf<T>(value: T): Observable<T> {
  const promise = Promise.resolve(value);
  const observable = {
    promise,
    toPromise: () => promise,
    pipe: <S>(callback: (v: T) => S | PromiseLike<S>) => observableFromPromise<S>(promise.then(callback)),
  };
  return observable;
}

function observableFromPromise<T>(promise: Promise<T>): Observable<T> {
  return { promise, toPromise: () => promise, pipe: <S>(cb: (v: T) => S | PromiseLike<S>) => observableFromPromise<S>(promise.then(cb)) };
}

interface Observable<T> {
  readonly promise: Promise<T>;
  toPromise(): Promise<T>;
  pipe<S>(callback: (value: T) => S | PromiseLike<S>): Observable<S>;
}

/** The HTTP status of a failed API call, if any. */
export function apiStatus(error: unknown): number | undefined {
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; statusCode?: unknown };
    if (typeof e.code === 'number') return e.code;
    if (typeof e.statusCode === 'number') return e.statusCode;
  }
  return undefined;
}

/** A one-line description of a failed API call (the generated client packs headers into the message). */
export function apiErrorMessage(error: unknown): string {
  const status = apiStatus(error);
  const body = (error as { body?: unknown } | undefined)?.body;
  let message: string | undefined;
  if (typeof body === 'string') {
    try {
      message = (JSON.parse(body) as { message?: string }).message;
    } catch {
      message = body.slice(0, 200);
    }
  } else if (body && typeof body === 'object') message = (body as { message?: string }).message;
  if (status !== undefined) return `HTTP ${status}${message ? `: ${message}` : ''}`;
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

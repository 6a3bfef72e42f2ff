/** Starts the Kubernetes-mode controller against the loopback API server, with test-sized timings. */
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { createKubernetesController, type KubernetesController, type KubernetesControllerOptions } from '../../src/controller/assemble.js';
import { defaultCompile, type CompileFn } from '../../src/resources/compile-contract.js';
import { gvr } from '../../src/kube/kube-client.js';
import { prometheusRuleName } from '../../src/sink/prometheus-rule-sink.js';
import type { FakeKubeApiServer } from '../support/fake-kube-apiserver.js';

export const quietLogger = pino({ level: process.env.VIGIL_TEST_LOG ?? 'silent' });

export async function startKubeController(
  server: FakeKubeApiServer,
  overrides: Partial<KubernetesControllerOptions> & { compile?: CompileFn } = {},
): Promise<KubernetesController> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(server.kubeconfigYaml());
  const c = await createKubernetesController({
    kubeConfig,
    compile: defaultCompile,
    logger: quietLogger,
    ruleLabels: { prometheus: 'k8s' },
    queue: { concurrency: 4, retryBackoff: { baseMs: 50, maxMs: 1_000 }, retryQps: 100, retryBurst: 100 },
    informerBackoff: { baseMs: 100, maxMs: 1_000, jitter: 0.1 },
    watchTimeouts: { timeoutSeconds: 30, responseTimeoutMs: 2_000, idleTimeoutMs: 0, minWatchIntervalMs: 50 },
    resyncMs: 0,
    requestTimeoutMs: 2_000,
    dependentStatusDelayMs: 100,
    ...overrides,
  });
  await c.start();
  return c;
}

const v = gvr;

export function put(server: FakeKubeApiServer, kind: keyof typeof gvr, object: Record<string, unknown>) {
  const r = v[kind];
  return server.upsert(r.group, r.version, r.plural, object);
}

export function del(server: FakeKubeApiServer, kind: keyof typeof gvr, name: string, namespace = 'team-a') {
  return server.remove(v[kind].group, v[kind].plural, namespace, name);
}

export function ruleOf(server: FakeKubeApiServer, slo: string, namespace = 'team-a') {
  return server.getObject(v.PrometheusRule.group, v.PrometheusRule.plural, namespace, prometheusRuleName(slo)) as
    | (Record<string, unknown> & { metadata: Record<string, any>; spec: { groups: Array<{ name: string; rules: Array<{ record?: string; alert?: string; expr: string; labels?: Record<string, string> }> }> } }) // eslint-disable-line @typescript-eslint/no-explicit-any
    | undefined;
}

export interface TestCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
}

export function statusOf(server: FakeKubeApiServer, kind: 'ServiceLevelObjective' | 'ServiceLevelIndicatorTemplate' | 'AlertingPolicy', name: string, namespace = 'team-a') {
  const o = server.getObject(v[kind].group, v[kind].plural, namespace, name);
  const status = o?.status as { observedGeneration?: number; conditions?: TestCondition[] } | undefined;
  return {
    generation: o?.metadata.generation,
    observedGeneration: status?.observedGeneration,
    condition: (type: string) => status?.conditions?.find((c) => c.type === type),
  };
}

export function isReady(server: FakeKubeApiServer, kind: Parameters<typeof statusOf>[1], name: string, namespace = 'team-a'): boolean {
  const s = statusOf(server, kind, name, namespace);
  return s.condition('Ready')?.status === 'True' && s.observedGeneration === s.generation;
}

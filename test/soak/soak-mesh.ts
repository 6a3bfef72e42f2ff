/**
 * The soak's synthetic mesh, built on the demo's traffic model (src/demo): `services` HTTP services in one
 * namespace, each called by the ingress gateway at a constant rate (no daily cycle, no noise), so every
 * counter grows linearly and the error ratio over any window is exactly the service's `errorRatio`. That
 * is what the soak compares the worker's figures with.
 */
import type { MeshConfig, MeshService } from '../../src/demo/mesh.js';

export const SOAK_NAMESPACE = 'soak';
/** Error ratio of a normal service: a 99.9 % SLO burns at 0.2×, never near a page. */
export const QUIET_ERROR_RATIO = 0.0002;
/** Error ratio of a burning service: its 99.9 % SLO burns at 30× (pages), its 99 % SLO at 3× (does not). */
export const BURNING_ERROR_RATIO = 0.03;

export function soakServiceName(i: number): string {
  return `svc-${String(i).padStart(4, '0')}`;
}

/** Services 0..burning-1 burn; the rest are quiet. */
export function soakMesh(options: { services: number; burning: number; origin: number }): MeshConfig {
  const services: MeshService[] = [];
  for (let i = 0; i < options.services; i++) {
    services.push({
      name: soakServiceName(i),
      protocol: 'http',
      errorRatio: i < options.burning ? BURNING_ERROR_RATIO : QUIET_ERROR_RATIO,
      notFoundRatio: 0.01,
      latencyMedianMs: 20,
      latencySigma: 0.5,
      cpuIdleCores: 0.02,
      cpuPerRps: 0.004,
      cpuRequestCores: 0.25,
      cpuLimitCores: 1,
      throttledRatio: 0.01,
      memoryBaseBytes: 120 * 2 ** 20,
      memoryPerRpsBytes: 0.5 * 2 ** 20,
      memoryLimitBytes: 512 * 2 ** 20,
      replicas: 1,
    });
  }
  return {
    namespace: SOAK_NAMESPACE,
    seed: 7,
    origin: options.origin,
    dailyAmplitude: 0,
    dailyPeakHourUtc: 14,
    weeklyAmplitude: 0,
    noise: 0,
    services,
    edges: services.map((s) => ({ source: 'istio-ingressgateway', sourceNamespace: 'istio-system', destination: s.name, rps: 20 })),
    incidents: [],
  };
}

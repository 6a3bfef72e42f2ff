/**
 * deploy/: every overlay builds with `kubectl kustomize`, and what it builds passes the structural check in
 * manifest-check.ts; the Dockerfile and the Prometheus examples have the shape the README promises.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { promtool } from '../support/prometheus.js';
import { runCommand } from '../support/processes.js';
import { checkManifests } from './manifest-check.js';

type Obj = Record<string, any>;
const root = join(import.meta.dirname, '../..');
const overlays = ['all-in-one', 'external-redis'] as const;

const built = new Map<string, Obj[]>();

/** Builds the repository's own deploy/ (which includes crds/ and deploy/rbac/ by relative path). */
beforeAll(async () => {
  await Promise.all(
    [...overlays.map((o) => `overlays/${o}`), 'base'].map(async (dir) => {
      const result = await runCommand('kubectl', ['kustomize', join(root, 'deploy', dir)]);
      if (result.code !== 0) throw new Error(`kubectl kustomize deploy/${dir} failed: ${result.stderr}`);
      built.set(dir, parseAllDocuments(result.stdout).map((d) => d.toJS() as Obj).filter((d) => d !== null));
    }),
  );
});

const docs = (dir: string) => built.get(dir)!;
const find = (dir: string, kind: string, name: string) => docs(dir).find((d) => d.kind === kind && d.metadata.name === name)!;

describe.each(overlays)('overlay %s', (overlay) => {
  const dir = `overlays/${overlay}`;

  it('builds and passes the structural check', () => {
    expect(docs(dir).length).toBeGreaterThan(20);
    expect(checkManifests(docs(dir))).toEqual([]);
  });

  it('runs the three roles: controller ×2 with leader election, worker ×2, API ×2', () => {
    const role = (name: string) => find(dir, 'Deployment', `vigil-${name}`);
    expect(role('controller').spec.replicas).toBe(2);
    expect(role('controller').spec.template.spec.containers[0].args).toEqual(['controller', '--lease-name', 'vigil-controller']);
    expect(role('controller').spec.template.spec.serviceAccountName).toBe('vigil-controller');
    expect(role('worker').spec.template.spec.containers[0].args).toEqual(['worker']);
    expect(role('api').spec.replicas).toBe(2);
    expect(role('api').spec.template.spec.containers[0].args).toEqual(['api']);
    for (const name of ['controller', 'worker', 'api']) {
      const c = role(name).spec.template.spec.containers[0];
      expect(c.image).toBe('ghcr.io/vigil-dev/vigil:0.1.0');
      expect(c.livenessProbe.httpGet.path).toBe('/healthz');
      expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    }
  });

  it('installs the CRDs, a ServiceMonitor for /metrics and PodDisruptionBudgets', () => {
    const crds = docs(dir).filter((d) => d.kind === 'CustomResourceDefinition').map((d) => d.metadata.name).sort();
    expect(crds).toEqual(['alertingpolicies.sre.vigil.dev', 'servicelevelindicatortemplates.sre.vigil.dev', 'servicelevelobjectives.sre.vigil.dev']);
    expect(find(dir, 'ServiceMonitor', 'vigil').spec.endpoints[0].path).toBe('/metrics');
    expect(docs(dir).filter((d) => d.kind === 'PodDisruptionBudget').length).toBeGreaterThanOrEqual(3);
  });

  it('ships the Grafana dashboards as ConfigMaps labelled grafana_dashboard', () => {
    const dashboards = docs(dir).filter((d) => d.kind === 'ConfigMap' && d.metadata.labels?.grafana_dashboard === '1');
    expect(dashboards.map((d) => Object.keys(d.data)[0]).sort()).toEqual(['vigil-health-detail.json', 'vigil-health-overview.json', 'vigil-slo-detail.json', 'vigil-slo-overview.json']);
    for (const d of dashboards) expect(() => JSON.parse(Object.values(d.data)[0] as string)).not.toThrow();
  });
});

describe('overlay specifics', () => {
  it('all-in-one runs Redis in the cluster and points Vigil at it', () => {
    const dir = 'overlays/all-in-one';
    const config = docs(dir).find((d) => d.kind === 'ConfigMap' && d.metadata.name.startsWith('vigil-config'))!;
    expect(config.data.VIGIL_REDIS_URL).toBe('redis://vigil-redis:6379');
    expect(find(dir, 'Deployment', 'vigil-redis').spec.template.spec.containers[0].image).toMatch(/^redis:7/);
    expect(find(dir, 'Service', 'vigil-redis').spec.ports[0].port).toBe(6379);
    // The generated ConfigMap's hashed name is what the Deployments reference.
    expect(find(dir, 'Deployment', 'vigil-api').spec.template.spec.containers[0].envFrom[0].configMapRef.name).toBe(config.metadata.name);
  });

  it('external-redis reads VIGIL_REDIS_URL from the vigil-redis Secret in every role', () => {
    const dir = 'overlays/external-redis';
    for (const name of ['controller', 'worker', 'api']) {
      const env = find(dir, 'Deployment', `vigil-${name}`).spec.template.spec.containers[0].env;
      expect(env.find((e: Obj) => e.name === 'VIGIL_REDIS_URL').valueFrom.secretKeyRef).toEqual({ name: 'vigil-redis', key: 'url' });
    }
    expect(docs(dir).some((d) => d.kind === 'Deployment' && d.metadata.name === 'vigil-redis')).toBe(false);
  });
});

describe('the structural check catches mistakes', () => {
  const mutate = (edit: (docs: Obj[]) => void): string[] => {
    const copy = structuredClone(docs('overlays/all-in-one'));
    edit(copy);
    return checkManifests(copy);
  };
  const dep = (all: Obj[], name: string) => all.find((d) => d.kind === 'Deployment' && d.metadata.name === name)!;
  it.each([
    ['a writable root filesystem', (all: Obj[]) => delete dep(all, 'vigil-api').spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem, /readOnlyRootFilesystem/],
    ['a missing memory limit', (all: Obj[]) => delete dep(all, 'vigil-worker').spec.template.spec.containers[0].resources.limits.memory, /resources.limits.memory/],
    ['a Service selecting nothing', (all: Obj[]) => (all.find((d) => d.kind === 'Service' && d.metadata.name === 'vigil-api')!.spec.selector['app.kubernetes.io/component'] = 'apis'), /selector matches no Deployment/],
    ['a selector not matching its pods', (all: Obj[]) => (dep(all, 'vigil-controller').spec.selector.matchLabels.extra = 'x'), /does not match the pod template/],
    ['a PDB blocking every eviction', (all: Obj[]) => (all.find((d) => d.kind === 'PodDisruptionBudget' && d.metadata.name === 'vigil-api')!.spec.minAvailable = 2), /blocks every eviction/],
    ['an unknown kind', (all: Obj[]) => all.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'vigil-system' } }), /unknown apiVersion\/kind/],
    ['a ServiceMonitor on a missing port', (all: Obj[]) => (all.find((d) => d.kind === 'ServiceMonitor')!.spec.endpoints[0].port = 'metrics'), /endpoint port metrics/],
    ['a missing ServiceAccount', (all: Obj[]) => (dep(all, 'vigil-api').spec.template.spec.serviceAccountName = 'nobody'), /serviceAccountName nobody/],
  ])('%s', (_name, edit, expected) => {
    const problems = mutate(edit as (docs: Obj[]) => void);
    expect(problems.join('\n')).toMatch(expected);
  });
});

describe('custom resources in the examples', () => {
  it('the demo SLOs validate against the CRDs’ own openAPIV3Schema', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const crds = docs('base').filter((d) => d.kind === 'CustomResourceDefinition');
    const validators = new Map(crds.map((c) => [`${c.spec.group}/${c.spec.names.kind}`, ajv.compile(c.spec.versions.find((v: Obj) => v.storage).schema.openAPIV3Schema)]));
    const resources = parseAllDocuments(readFileSync(join(root, 'deploy/demo/resources/mesh-slos.yaml'), 'utf8')).map((d) => d.toJS() as Obj);
    expect(resources.length).toBeGreaterThanOrEqual(4);
    for (const r of resources) {
      const validate = validators.get(`${r.apiVersion.split('/')[0]}/${r.kind}`);
      expect(validate, `${r.kind} has a CRD`).toBeDefined();
      expect(validate!(r), `${r.kind} ${r.metadata.name}: ${ajv.errorsText(validate!.errors)}`).toBe(true);
    }
    // …and the check can fail.
    const slo = validators.get('sre.vigil.dev/ServiceLevelObjective')!;
    expect(slo({ ...resources[0], spec: { ...resources[0]!.spec, slo: { goal: 99.9 } } })).toBe(false);
  });
});

describe('Dockerfile and Prometheus examples', () => {
  it('the Dockerfile builds in node:20-slim and runs the CLI as a non-root user', () => {
    const text = readFileSync(join(root, 'deploy/Dockerfile'), 'utf8');
    const froms = [...text.matchAll(/^FROM (\S+)(?: AS (\S+))?$/gm)];
    expect(froms.map((m) => m[1])).toEqual(['node:20-slim', 'node:20-slim']);
    expect(froms[0]![2]).toBe('build');
    expect(text).toMatch(/RUN npm ci\b/);
    expect(text).toMatch(/npm run build/);
    const runtime = text.slice(froms[1]!.index);
    expect(runtime).toMatch(/^USER (\d+)(:\d+)?$/m);
    expect(Number(/^USER (\d+)/m.exec(runtime)![1])).toBeGreaterThan(0);
    expect(runtime).toContain('ENTRYPOINT ["node","dist/cli/bin.js"]');
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    // promtool on PATH, so --check-rules auto vets rule files in the image (issue 12 item 2).
    expect(runtime).toMatch(/^COPY --from=prom\/prometheus:v[\d.]+ \/bin\/promtool \/usr\/local\/bin\/promtool$/m);
    // Every path it copies from the context exists.
    for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of m[1]!.split(' ')) expect(existsSync(join(root, src)), src).toBe(true);
    }
    // The build script it runs exists and emits the entry point it starts.
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.scripts.build).toContain('tsconfig.build.json');
    expect(existsSync(join(root, 'src/cli/bin.ts'))).toBe(true);
  });

  it('prometheus.yml passes promtool check config and loads the rules and alerts to Alertmanager', async () => {
    const file = join(root, 'deploy/prometheus/prometheus.yml');
    const result = await promtool(['check', 'config', '--lint-fatal', file]);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
    const config = parse(readFileSync(file, 'utf8'));
    expect(config.rule_files).toEqual(['/etc/prometheus/vigil-rules/*.yaml', '/etc/prometheus/vigil-self/*.yaml']);
    expect(config.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['127.0.0.1:9093']);
    // The job name alert-rules/vigil-self-monitoring.yaml expects for `vigil all` (else VigilWorkerDown pages).
    expect(config.scrape_configs.map((j: Obj) => j.job_name)).toContain('vigil-all');
  });

  it('prometheus-kubernetes.yml keeps exactly the Services the ServiceMonitor selects', () => {
    const config = parse(readFileSync(join(root, 'deploy/prometheus/prometheus-kubernetes.yml'), 'utf8'));
    const job = config.scrape_configs.find((j: Obj) => j.job_name === 'vigil-kubernetes');
    expect(job.kubernetes_sd_configs[0].namespaces.names).toEqual(['vigil-system']);
    const keep = job.relabel_configs.find((r: Obj) => r.action === 'keep' && r.source_labels[0] === '__meta_kubernetes_service_label_vigil_dev_scrape');
    expect(keep.regex).toBe('true');
    const monitor = find('base', 'ServiceMonitor', 'vigil');
    expect(monitor.spec.selector.matchLabels['vigil.dev/scrape']).toBe('true');
    // Like the operator's ServiceMonitor targets, the job is the Service name: vigil-worker, vigil-api, …
    expect(job.relabel_configs).toContainEqual({ source_labels: ['__meta_kubernetes_service_name'], target_label: 'job' });
    expect(find('base', 'Service', 'vigil-worker').metadata.name).toBe('vigil-worker');
  });
});

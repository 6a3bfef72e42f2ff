/**
 * A structural check of the Kubernetes manifests Vigil ships (no kubeconform here): known kinds, required
 * fields, restricted-style security contexts, resources and probes, and that the pieces fit together —
 * selectors match pods, named ports exist, referenced ServiceAccounts, ConfigMaps and roles exist.
 * Returns the problems as "Kind/name: message" strings.
 */
type Obj = Record<string, any>;

const namespaced: Record<string, string[]> = {
  v1: ['ServiceAccount', 'ConfigMap', 'Secret', 'Service'],
  'apps/v1': ['Deployment'],
  'policy/v1': ['PodDisruptionBudget'],
  'networking.k8s.io/v1': ['NetworkPolicy'],
  'rbac.authorization.k8s.io/v1': ['Role', 'RoleBinding'],
  'monitoring.coreos.com/v1': ['ServiceMonitor', 'PrometheusRule'],
};
const clusterScoped: Record<string, string[]> = {
  v1: ['Namespace'],
  'rbac.authorization.k8s.io/v1': ['ClusterRole', 'ClusterRoleBinding'],
  'apiextensions.k8s.io/v1': ['CustomResourceDefinition'],
};

const dns1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return true;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export function checkManifests(docs: readonly Obj[], options: { namespace?: string } = {}): string[] {
  const problems: string[] = [];
  const ns = options.namespace ?? 'vigil-system';
  const id = (d: Obj) => `${d.kind}/${d.metadata?.name}`;
  const of = (kind: string) => docs.filter((d) => d.kind === kind);
  const named = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata?.name === name);
  const deployments = of('Deployment');
  const podLabels = (d: Obj): Record<string, string> => d.spec?.template?.metadata?.labels ?? {};
  const containerPorts = (d: Obj): string[] =>
    (d.spec?.template?.spec?.containers ?? []).flatMap((c: Obj) => (c.ports ?? []).map((p: Obj) => p.name).filter(Boolean));
  const add = (d: Obj, message: string) => problems.push(`${id(d)}: ${message}`);

  for (const d of docs) {
    const isNamespaced = namespaced[d.apiVersion]?.includes(d.kind);
    const isCluster = clusterScoped[d.apiVersion]?.includes(d.kind);
    if (!isNamespaced && !isCluster) {
      add(d, `unknown apiVersion/kind ${d.apiVersion} ${d.kind}`);
      continue;
    }
    const name = d.metadata?.name;
    if (typeof name !== 'string' || !dns1123.test(name) || name.length > 253) add(d, `metadata.name ${JSON.stringify(name)} is not a DNS-1123 name`);
    if (isNamespaced && d.metadata?.namespace !== ns) add(d, `namespace is ${d.metadata?.namespace}, expected ${ns}`);
    if (isCluster && d.metadata?.namespace !== undefined) add(d, 'cluster-scoped kind has a namespace');
    for (const [k, v] of Object.entries(d.metadata?.labels ?? {})) if (typeof v !== 'string') add(d, `label ${k} is not a string`);
  }
  const seen = new Set<string>();
  for (const d of docs) {
    const key = `${d.kind}/${d.metadata?.namespace ?? ''}/${d.metadata?.name}`;
    if (seen.has(key)) add(d, 'defined twice');
    seen.add(key);
  }

  for (const d of deployments) {
    const spec = d.spec ?? {};
    if (!(Number.isInteger(spec.replicas) && spec.replicas >= 1)) add(d, 'spec.replicas must be a positive integer');
    const selector = spec.selector?.matchLabels;
    if (!selector || Object.keys(selector).length === 0) add(d, 'spec.selector.matchLabels is empty');
    else if (!matches(selector, podLabels(d))) add(d, 'spec.selector does not match the pod template labels');
    const pod = spec.template?.spec ?? {};
    if (pod.securityContext?.runAsNonRoot !== true) add(d, 'pod securityContext.runAsNonRoot must be true');
    if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') add(d, 'pod seccompProfile must be RuntimeDefault');
    if (pod.serviceAccountName !== undefined && !named('ServiceAccount', pod.serviceAccountName)) add(d, `serviceAccountName ${pod.serviceAccountName} is not defined`);
    const volumes = new Set((pod.volumes ?? []).map((v: Obj) => v.name));
    const containers: Obj[] = pod.containers ?? [];
    if (containers.length === 0) add(d, 'no containers');
    for (const c of containers) {
      const where = `container ${c.name}`;
      if (typeof c.image !== 'string' || c.image === '') add(d, `${where}: no image`);
      else if (!c.image.includes(':') || c.image.endsWith(':latest')) add(d, `${where}: image ${c.image} has no pinned tag`);
      const sc = c.securityContext ?? {};
      if (sc.runAsNonRoot !== true && pod.securityContext?.runAsNonRoot !== true) add(d, `${where}: runAsNonRoot must be true`);
      if (sc.readOnlyRootFilesystem !== true) add(d, `${where}: readOnlyRootFilesystem must be true`);
      if (sc.allowPrivilegeEscalation !== false) add(d, `${where}: allowPrivilegeEscalation must be false`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) add(d, `${where}: capabilities must drop ALL`);
      for (const kind of ['requests', 'limits']) {
        for (const r of ['cpu', 'memory']) if (c.resources?.[kind]?.[r] === undefined) add(d, `${where}: resources.${kind}.${r} is not set`);
      }
      if (!c.livenessProbe) add(d, `${where}: no livenessProbe`);
      if (!c.readinessProbe) add(d, `${where}: no readinessProbe`);
      const ports = new Set((c.ports ?? []).map((p: Obj) => p.name));
      for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
        const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
        if (typeof port === 'string' && !ports.has(port)) add(d, `${where}: probe port ${port} is not a named container port`);
      }
      for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) add(d, `${where}: volumeMount ${m.name} has no volume`);
      for (const e of c.envFrom ?? []) {
        if (e.configMapRef && !named('ConfigMap', e.configMapRef.name)) add(d, `${where}: ConfigMap ${e.configMapRef.name} is not defined`);
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.configMapKeyRef;
        if (ref && !named('ConfigMap', ref.name)) add(d, `${where}: env ${e.name}: ConfigMap ${ref.name} is not defined`);
      }
    }
  }

  for (const s of of('Service')) {
    const selector = s.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) {
      add(s, 'spec.selector is empty');
      continue;
    }
    const targets = deployments.filter((d) => matches(selector, podLabels(d)));
    if (targets.length === 0) add(s, 'selector matches no Deployment');
    for (const p of s.spec?.ports ?? []) {
      if (!Number.isInteger(p.port)) add(s, `port ${p.name} has no numeric port`);
      if (typeof p.targetPort === 'string' && !targets.every((d) => containerPorts(d).includes(p.targetPort))) {
        add(s, `targetPort ${p.targetPort} is not a container port of every selected Deployment`);
      }
    }
  }

  for (const p of of('PodDisruptionBudget')) {
    const targets = deployments.filter((d) => matches(p.spec?.selector?.matchLabels, podLabels(d)));
    if (targets.length !== 1) add(p, `selector matches ${targets.length} Deployments, expected 1`);
    const hasMin = p.spec?.minAvailable !== undefined;
    if (hasMin === (p.spec?.maxUnavailable !== undefined)) add(p, 'exactly one of minAvailable and maxUnavailable');
    if (hasMin && targets[0] && typeof p.spec.minAvailable === 'number' && p.spec.minAvailable >= targets[0].spec.replicas) {
      add(p, `minAvailable ${p.spec.minAvailable} blocks every eviction of ${targets[0].spec.replicas} replicas`);
    }
  }

  for (const n of of('NetworkPolicy')) {
    const targets = deployments.filter((d) => matches(n.spec?.podSelector?.matchLabels, podLabels(d)));
    if (targets.length === 0) add(n, 'podSelector matches no Deployment');
    if (!Array.isArray(n.spec?.policyTypes) || n.spec.policyTypes.length === 0) add(n, 'policyTypes is empty');
    for (const rule of n.spec?.ingress ?? []) {
      for (const port of rule.ports ?? []) {
        if (typeof port.port === 'string' && !targets.every((d) => containerPorts(d).includes(port.port))) add(n, `ingress port ${port.port} is not a container port of every selected pod`);
      }
      for (const from of rule.from ?? []) {
        if (from.podSelector?.matchLabels && !deployments.some((d) => matches(from.podSelector.matchLabels, podLabels(d)))) add(n, 'ingress podSelector matches no Deployment');
      }
    }
    for (const rule of n.spec?.egress ?? []) {
      for (const to of rule.to ?? []) {
        if (to.podSelector?.matchLabels && !deployments.some((d) => matches(to.podSelector.matchLabels, podLabels(d)))) add(n, 'egress podSelector matches no Deployment');
      }
    }
  }

  for (const m of of('ServiceMonitor')) {
    const services = of('Service').filter((s) => matches(m.spec?.selector?.matchLabels, s.metadata?.labels));
    if (services.length === 0) add(m, 'selector matches no Service');
    for (const e of m.spec?.endpoints ?? []) {
      if (!services.every((s) => (s.spec?.ports ?? []).some((p: Obj) => p.name === e.port))) add(m, `endpoint port ${e.port} is not a port of every selected Service`);
    }
  }

  for (const b of [...of('RoleBinding'), ...of('ClusterRoleBinding')]) {
    const roleKind = b.roleRef?.kind;
    if (!named(roleKind, b.roleRef?.name)) add(b, `roleRef ${roleKind}/${b.roleRef?.name} is not defined`);
    for (const s of b.subjects ?? []) {
      if (s.kind === 'ServiceAccount' && !docs.some((d) => d.kind === 'ServiceAccount' && d.metadata?.name === s.name && d.metadata?.namespace === s.namespace)) {
        add(b, `subject ServiceAccount ${s.namespace}/${s.name} is not defined`);
      }
    }
  }

  for (const c of of('CustomResourceDefinition')) {
    const spec = c.spec ?? {};
    if (c.metadata?.name !== `${spec.names?.plural}.${spec.group}`) add(c, 'name must be <plural>.<group>');
    const versions: Obj[] = spec.versions ?? [];
    if (versions.filter((v) => v.storage === true).length !== 1) add(c, 'exactly one storage version');
    for (const v of versions) if (v.schema?.openAPIV3Schema?.type !== 'object') add(c, `version ${v.name}: no structural openAPIV3Schema`);
  }
  return problems;
}

/** The controller's own metrics (exposed at /metrics by `vigil controller`). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class ControllerMetrics {
  readonly registry: Registry;
  readonly reconciles: Counter<'kind' | 'result'>;
  readonly reconcileSeconds: Histogram<'kind'>;
  readonly queueDepth: Gauge;
  readonly isLeader: Gauge;
  readonly informerRestarts: Counter<'resource'>;
  readonly ruleWrites: Counter<'outcome'>;
  readonly statusWrites: Counter;
  readonly reloadFailures: Counter;
  readonly rulesRejected: Counter;
  readonly reloadLastSuccess: Gauge;
  readonly brokenFiles: Gauge;
  readonly parseErrors: Counter;
  readonly resourcesNotReady: Gauge<'kind'>;
  readonly compileSkips: Counter;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.reconciles = new Counter({ name: 'vigil_controller_reconciles_total', help: 'Reconciles by resource kind and result (ok|error).', labelNames: ['kind', 'result'], registers });
    this.reconcileSeconds = new Histogram({
      name: 'vigil_controller_reconcile_duration_seconds',
      help: 'Time spent in one reconcile.',
      labelNames: ['kind'],
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
      registers,
    });
    this.queueDepth = new Gauge({ name: 'vigil_controller_queue_depth', help: 'Keys waiting in the work queue.', registers });
    this.isLeader = new Gauge({ name: 'vigil_controller_is_leader', help: '1 while this replica holds the leader Lease (always 1 without leader election).', registers });
    this.informerRestarts = new Counter({ name: 'vigil_controller_informer_restarts_total', help: 'Informer restarts after a watch or list failure.', labelNames: ['resource'], registers });
    this.ruleWrites = new Counter({ name: 'vigil_rule_writes_total', help: 'Rule outputs (PrometheusRule or file) by outcome (written|unchanged|removed).', labelNames: ['outcome'], registers });
    this.statusWrites = new Counter({ name: 'vigil_controller_status_writes_total', help: 'Status writes (only when the status changed).', registers });
    this.reloadFailures = new Counter({ name: 'vigil_rule_reload_failures_total', help: 'Failed or unconfirmed Prometheus rule reloads (rule-file sink).', registers });
    this.rulesRejected = new Counter({ name: 'vigil_rule_files_rejected_total', help: 'SLO rule files the checker (promtool check rules) refused; the last good file stays and the SLO says why.', registers });
    this.reloadLastSuccess = new Gauge({ name: 'vigil_rule_reload_last_success_timestamp_seconds', help: 'Time of the last confirmed Prometheus rule reload.', registers });
    this.brokenFiles = new Gauge({ name: 'vigil_source_broken_files', help: 'Resource files that cannot be parsed (their last good resources stay in use).', registers });
    this.parseErrors = new Counter({ name: 'vigil_source_parse_errors_total', help: 'Times a resource file failed to parse.', registers });
    this.compileSkips = new Counter({ name: 'vigil_controller_compile_skips_total', help: 'SLO reconciles that skipped compiling: same inputs, output still current.', registers });
    this.resourcesNotReady = new Gauge({ name: 'vigil_controller_resources_not_ready', help: 'Resources whose Ready condition is not True.', labelNames: ['kind'], registers });
  }
}

/**
 * The reconciler: source → dependency index → work queue → compile (pure) → sink + status. Reconciles are
 * level-triggered and idempotent: a key says "look at this resource again", and the reconcile reads the
 * current state from the source's cache, so any number of changes to one resource collapse into one pass.
 *
 * Each SLO is compiled with its own closure (itself, its template, its policies), never the whole set, so
 * one change costs one small compile and one invalid resource cannot affect another SLO.
 */
import type { Logger } from '../observability/logger.js';
import type { CompileFn, CompileIssue, RuleGroup, SourcedResource } from '../resources/compile-contract.js';
import { DependencyIndex, memberSetOf, sloRefOf, templateRefOf } from './dependency-index.js';
import type { ControllerMetrics } from '../observability/controller-metrics.js';
import { coverageCondition, readyCondition, validCondition, conditionTypes, type ConditionInput } from './status.js';
import type { StatusWriter } from './status-writer.js';
import { defaultWorkQueueOptions, WorkQueue, type WorkQueueOptions } from './work-queue.js';
import type { LeaderElector } from './leader-election.js';
import type { SloPublisher } from './catalog-publisher.js';
import { parseRefKey, refKey, refOf, type ResourceRef, type Source } from '../resources/source.js';
import { groupsHash, RulesRejectedError, type RuleSink } from '../sink/rule-sink.js';

export interface ControllerOptions {
  readonly source: Source;
  readonly sink: RuleSink;
  readonly status: StatusWriter;
  readonly compile: CompileFn;
  readonly logger: Logger;
  readonly metrics: ControllerMetrics;
  readonly queue?: Partial<WorkQueueOptions>;
  /** Re-reconcile everything this often (level-triggered safety net). Default 10 min; 0 disables. */
  readonly resyncMs?: number;
  /** With leader election, only the leader reconciles (and so writes); standbys keep warm caches. */
  readonly elector?: LeaderElector;
  /**
   * How long to gather SLO changes before refreshing the status of the templates and policies they use
   * (those statuses count their SLOs; refreshing per SLO would rewrite them thousands of times). Default 1 s.
   */
  readonly dependentStatusDelayMs?: number;
  /** Where compiled SLOs go besides the rules (the workers' catalog in Redis). */
  readonly publisher?: SloPublisher;
}

/** What the last compile of an SLO produced, kept small (no groups): enough to skip an identical recompile. */
interface CompileMemo {
  readonly inputKey: string;
  readonly issues: readonly CompileIssue[];
  /** groupsHash of the output; absent when the SLO did not compile. */
  readonly digest?: string;
  readonly rules?: number;
  readonly groups?: number;
}

/** Identity of one input: generation for API objects (status writes do not change it), content otherwise. */
function inputFingerprint(r: SourcedResource): string {
  const m = r.metadata;
  if (m.uid && m.generation !== undefined) return `${r.kind}/${m.namespace}/${m.name}#${m.uid}/${m.generation}/${JSON.stringify(m.labels ?? {})}/${JSON.stringify(m.annotations ?? {})}`;
  return JSON.stringify([r.kind, m, r.spec, r.origin?.file, r.origin?.document, r.origin?.line]);
}

interface SloState {
  readonly applied: boolean;
  readonly ready: boolean;
  readonly reason: string;
}

export class Controller {
  readonly queue: WorkQueue;
  readonly index = new DependencyIndex();
  private readonly sloStates = new Map<string, SloState>();
  private readonly compiled = new Map<string, CompileMemo>();
  private notReady = 0;
  private resyncTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private started = false;
  private synced = false;

  constructor(private readonly options: ControllerOptions) {
    this.queue = new WorkQueue({ ...defaultWorkQueueOptions, ...options.queue });
  }

  /** Starts sink and source, waits for their caches, then reconciles (at once, or when elected). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { source, sink, logger } = this.options;
    await sink.start((slo) => this.enqueue({ kind: 'ServiceLevelObjective', ...slo }));
    await source.start((ref) => this.changed(ref));
    this.synced = true;
    // SLOs whose output exists but whose resource is gone (deleted while we were away, no GC).
    for (const slo of sink.list()) this.enqueue({ kind: 'ServiceLevelObjective', ...slo });
    logger.info({ resources: source.list().length, outputs: sink.list().length }, 'caches synced');
    const resyncMs = this.options.resyncMs ?? 600_000;
    if (resyncMs > 0) {
      this.resyncTimer = setInterval(() => this.resync(), resyncMs);
      this.resyncTimer.unref?.();
    }
    const elector = this.options.elector;
    if (!elector) {
      this.options.metrics.isLeader.set(1);
      this.queue.run((key) => this.reconcile(key));
      return;
    }
    elector.onChange((leading) => {
      this.options.metrics.isLeader.set(leading ? 1 : 0);
      if (leading) {
        logger.info('started leading: reconciling everything');
        this.resync();
        this.queue.run((key) => this.reconcile(key));
      } else {
        logger.warn('stopped leading: no more writes');
        this.queue.pause();
      }
    });
  }

  /** Enqueues every known resource and every existing output. */
  resync(): void {
    if (!this.options.elector || this.options.elector.isLeader()) this.options.publisher?.resync();
    for (const r of this.options.source.list()) this.enqueue(refOf(r));
    for (const slo of this.options.sink.list()) this.enqueue({ kind: 'ServiceLevelObjective', ...slo });
  }

  /** Resolves when the queue has drained (no queued, running or pending-retry work). */
  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }

  sloState(ref: { namespace: string; name: string }): SloState | undefined {
    return this.sloStates.get(refKey({ kind: 'ServiceLevelObjective', ...ref }));
  }

  private changed(ref: ResourceRef): void {
    const resource = this.options.source.get(ref);
    const { reconcile, refresh } = this.index.update(ref, resource);
    for (const key of reconcile) this.queue.add(key);
    for (const key of refresh) this.queue.addAfter(key, this.synced ? (this.options.dependentStatusDelayMs ?? 1_000) : 0);
    this.options.metrics.queueDepth.set(this.queue.depth);
  }

  private enqueue(ref: ResourceRef): void {
    this.queue.add(refKey(ref));
  }

  private async reconcile(key: string): Promise<void> {
    const ref = parseRefKey(key);
    const { metrics, logger } = this.options;
    const end = metrics.reconcileSeconds.startTimer({ kind: ref.kind });
    try {
      if (ref.kind === 'ServiceLevelObjective') await this.reconcileSlo(ref);
      else if (ref.kind === 'ServiceLevelIndicatorTemplate') await this.reconcileTemplate(ref);
      else await this.reconcilePolicy(ref);
      metrics.reconciles.inc({ kind: ref.kind, result: 'ok' });
    } catch (error) {
      metrics.reconciles.inc({ kind: ref.kind, result: 'error' });
      logger.warn({ resource: key, err: errorText(error), attempt: this.queue.retriesOf(key) + 1 }, 'reconcile failed; will retry');
      throw error;
    } finally {
      end();
      metrics.queueDepth.set(this.queue.depth);
    }
  }

  private get(ref: ResourceRef | string | undefined): SourcedResource | undefined {
    if (ref === undefined) return undefined;
    return this.options.source.get(typeof ref === 'string' ? parseRefKey(ref) : ref);
  }

  private closure(sloKey: string, slo: SourcedResource): SourcedResource[] {
    const template = this.get(templateRefOf(slo));
    const policies = this.index.policiesOf(sloKey).flatMap((p) => this.get(p) ?? []);
    return [slo, ...(template ? [template] : []), ...policies];
  }

  private issuesFor(ref: ResourceRef, issues: readonly CompileIssue[]): CompileIssue[] {
    return issues.filter((i) => i.kind === ref.kind && i.namespace === ref.namespace && i.name === ref.name);
  }

  private async reconcileSlo(ref: ResourceRef): Promise<void> {
    const { source, sink, status, compile, metrics } = this.options;
    const key = refKey(ref);
    const slo = source.get(ref);
    if (!slo) {
      if (await sink.remove(ref)) {
        metrics.ruleWrites.inc({ outcome: 'removed' });
        this.options.logger.info({ slo: key }, 'SLO gone: rules removed');
      }
      this.forgetSlo(key);
      this.compiled.delete(key);
      status.forget(ref);
      this.options.publisher?.published(ref, undefined);
      return;
    }
    const target = { namespace: ref.namespace, name: ref.name, ...(slo.metadata.uid ? { uid: slo.metadata.uid } : {}), ...(slo.metadata.generation !== undefined ? { generation: slo.metadata.generation } : {}) };
    const where = sink.describe(ref);
    const inputs = this.closure(key, slo);
    const inputKey = inputs.map(inputFingerprint).join('|');
    let memo = this.compiled.get(key);
    let groups: readonly RuleGroup[] | undefined;
    // Same inputs as last time and the output still holds what they produced: nothing to compile or write.
    const reuse = memo !== undefined && memo.inputKey === inputKey && (memo.digest === undefined || (await sink.isCurrent(target, memo.digest)));
    if (!reuse) {
      const result = compile(inputs);
      const own = this.issuesFor(ref, result.issues);
      const compiled = result.slos.find((s) => s.namespace === ref.namespace && s.name === ref.name);
      // Errors in the template or a policy keep this SLO from compiling: say so on the SLO too.
      const inherited = compiled
        ? []
        : result.issues
            .filter((i) => i.level === 'error' && !(i.kind === ref.kind && i.namespace === ref.namespace && i.name === ref.name))
            .map((i) => ({ ...i, kind: ref.kind, namespace: ref.namespace, name: ref.name, message: `${i.kind} ${i.namespace}/${i.name} is invalid (${i.path ? `${i.path}: ` : ''}${i.message})`, path: '' }));
      groups = compiled?.groups;
      if (compiled) this.options.publisher?.published(ref, compiled);
      memo = {
        inputKey,
        issues: [...own, ...inherited],
        ...(compiled ? { digest: groupsHash(compiled.groups), rules: compiled.groups.reduce((n, g) => n + g.rules.length, 0), groups: compiled.groups.length } : {}),
      };
      this.compiled.set(key, memo);
    } else {
      metrics.compileSkips.inc();
    }
    const valid = validCondition(memo!.issues, source.problems(ref));
    let rulesApplied: ConditionInput;
    let failure: unknown;
    if (memo!.digest !== undefined) {
      try {
        const outcome = groups ? await sink.apply(target, groups) : 'unchanged';
        metrics.ruleWrites.inc({ outcome });
        rulesApplied = {
          type: conditionTypes.rulesApplied,
          status: 'True',
          reason: 'RulesApplied',
          message: `${where} holds ${memo!.rules} rules in ${memo!.groups} groups${slo.metadata.generation !== undefined ? ` for generation ${slo.metadata.generation}` : ''}.`,
        };
      } catch (error) {
        this.compiled.delete(key);
        if (error instanceof RulesRejectedError) {
          // Deterministic: the same rules would be refused again. The SLO says why; a change retries.
          rulesApplied = { type: conditionTypes.rulesApplied, status: 'False', reason: 'RulesRejected', message: `${errorText(error)}; ${where} keeps the last good rules.` };
        } else {
          failure = error;
          rulesApplied = { type: conditionTypes.rulesApplied, status: 'False', reason: 'ApplyFailed', message: `Writing ${where} failed (${errorText(error)}); retrying with backoff.` };
        }
      }
    } else {
      const kept = sink.appliedGeneration(ref);
      rulesApplied = sink.has(ref)
        ? { type: conditionTypes.rulesApplied, status: 'False', reason: 'KeptLastGoodRules', message: `No new rules: the resource is invalid (see Valid). ${where} keeps the last good rules${kept !== undefined ? ` (generation ${kept})` : ''}.` }
        : { type: conditionTypes.rulesApplied, status: 'False', reason: 'NotGenerated', message: 'No rules were generated because the resource is invalid (see Valid).' };
    }
    const ready = readyCondition([valid, rulesApplied], `Rules are in place in ${where}.`);
    const state: SloState = { applied: rulesApplied.status === 'True', ready: ready.status === 'True', reason: ready.reason };
    const before = this.sloStates.get(key);
    this.sloStates.set(key, state);
    this.notReady += (state.ready ? 0 : 1) - (before && !before.ready ? 1 : 0);
    if (!before || before.applied !== state.applied || before.ready !== state.ready) this.dependentsChanged(key, slo);
    if (await status.write({ ref, generation: slo.metadata.generation }, [valid, rulesApplied, ready])) metrics.statusWrites.inc();
    this.options.publisher?.conditions(ref, [valid, rulesApplied, ready]);
    this.updateNotReady();
    if (failure) throw failure;
  }

  private async reconcileTemplate(ref: ResourceRef): Promise<void> {
    const { source, status, compile, metrics } = this.options;
    const key = refKey(ref);
    const template = source.get(ref);
    if (!template) {
      status.forget(ref);
      return;
    }
    const result = compile([template]);
    const valid = validCondition(this.issuesFor(ref, result.issues), source.problems(ref));
    const users = this.index.usersOf(key).filter((u) => this.get(u));
    const missing = users.filter((u) => !this.sloStates.get(u)?.applied);
    const rulesApplied = coverageCondition(users, missing, 'using this template', 'No ServiceLevelObjective uses this template yet.');
    const ready = readyCondition([valid, rulesApplied], 'The template is valid and every SLO using it has its rules.');
    if (await status.write({ ref, generation: template.metadata.generation }, [valid, rulesApplied, ready])) metrics.statusWrites.inc();
  }

  private async reconcilePolicy(ref: ResourceRef): Promise<void> {
    const { source, status, compile, metrics } = this.options;
    const policy = source.get(ref);
    if (!policy) {
      status.forget(ref);
      return;
    }
    const set = memberSetOf(policy);
    if (set) return this.reconcileSetMember(ref, policy, set);
    const sloRef = sloRefOf(policy);
    const slo = this.get(sloRef);
    const template = slo ? this.get(templateRefOf(slo)) : undefined;
    const result = compile([policy, ...(slo ? [slo] : []), ...(template ? [template] : [])]);
    const valid = validCondition(this.issuesFor(ref, result.issues), source.problems(ref));
    const state = sloRef ? this.sloStates.get(refKey(sloRef)) : undefined;
    const sloName = sloRef ? `${sloRef.namespace}/${sloRef.name}` : '(none)';
    const rulesApplied: ConditionInput = !sloRef
      ? { type: conditionTypes.rulesApplied, status: 'False', reason: 'NoSloRef', message: 'spec.sloRef is missing: name the ServiceLevelObjective this policy alerts on.' }
      : !slo
        ? { type: conditionTypes.rulesApplied, status: 'False', reason: 'SloNotFound', message: `spec.sloRef names ServiceLevelObjective ${sloName}, which does not exist: create it or fix spec.sloRef.` }
        : state?.applied
          ? { type: conditionTypes.rulesApplied, status: 'True', reason: 'RulesApplied', message: `The alerts of this policy are in ${this.options.sink.describe(sloRef)}.` }
          : { type: conditionTypes.rulesApplied, status: 'False', reason: 'SloNotReady', message: `ServiceLevelObjective ${sloName} has no current rules (${state?.reason ?? 'not reconciled yet'}); see its status.` };
    const ready = readyCondition([valid, rulesApplied], 'The policy is valid and its alerts are in place.');
    if (await status.write({ ref, generation: policy.metadata.generation }, [valid, rulesApplied, ready])) metrics.statusWrites.inc();
  }

  private async reconcileSetMember(ref: ResourceRef, policy: SourcedResource, set: string): Promise<void> {
    const { source, status, compile, metrics } = this.options;
    const result = compile([policy]);
    const valid = validCondition(this.issuesFor(ref, result.issues), source.problems(ref));
    const users = this.index.setUsersOf(refKey(ref)).filter((u) => this.get(u));
    const missing = users.filter((u) => !this.sloStates.get(u)?.applied);
    const rulesApplied = coverageCondition(users, missing, `using policy set "${set}"`, `No ServiceLevelObjective opts into policy set "${set}" yet (spec.alertingPolicySet).`);
    const ready = readyCondition([valid, rulesApplied], 'The policy is valid and its alerts are in place.');
    if (await status.write({ ref, generation: policy.metadata.generation }, [valid, rulesApplied, ready])) metrics.statusWrites.inc();
  }

  private dependentsChanged(sloKey: string, slo: SourcedResource): void {
    const delay = this.options.dependentStatusDelayMs ?? 1_000;
    const template = templateRefOf(slo);
    if (template) this.queue.addAfter(refKey(template), delay);
    for (const p of this.index.policiesOf(sloKey)) this.queue.addAfter(p, delay);
  }

  private forgetSlo(key: string): void {
    const before = this.sloStates.get(key);
    this.sloStates.delete(key);
    if (before && !before.ready) this.notReady--;
    this.updateNotReady();
    if (before) {
      const delay = this.options.dependentStatusDelayMs ?? 1_000;
      const template = this.index.templateOf(key);
      if (template) this.queue.addAfter(template, delay);
      for (const p of this.index.policiesOf(key)) this.queue.addAfter(p, delay);
    }
  }

  private updateNotReady(): void {
    this.options.metrics.resourcesNotReady.set({ kind: 'ServiceLevelObjective' }, this.notReady);
  }

  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    const steps = [() => this.queue.shutDown(), () => this.options.publisher?.close(), () => this.options.elector?.close(), () => this.options.source.close(), () => this.options.sink.close()];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        this.options.logger.warn({ err: errorText(error) }, 'error during controller shutdown');
      }
    }
  }

  get isSynced(): boolean {
    return this.synced;
  }
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0]!;
  return String(error);
}

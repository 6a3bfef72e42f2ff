/**
 * The contract between the controller and the pure rule pipeline (src/model + src/rules). The controller
 * only sees these shapes; `compile` is injected (ControllerOptions.compile) so the real pipeline is one
 * import away. TODO(lead): when the "compile pipeline" lands, replace the types and `defaultCompile` below
 * with re-exports of the real module.
 */
export const resourceKinds = ['ServiceLevelIndicatorTemplate', 'ServiceLevelObjective', 'AlertingPolicy'] as const;
export type ResourceKind = (typeof resourceKinds)[number];

export interface ResourceOrigin {
  readonly file: string;
  /** 0-based index of the document in a multi-document YAML file. */
  readonly document: number;
  /** 1-based line where the document starts. */
  readonly line: number;
}

export interface SourcedResource {
  readonly apiVersion: string;
  readonly kind: ResourceKind;
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly generation?: number;
    readonly uid?: string;
    readonly resourceVersion?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec: unknown;
  readonly origin?: ResourceOrigin;
}

export interface Rule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly interval: string;
  readonly rules: readonly Rule[];
}

export interface CompileIssue {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly path: string;
  readonly message: string;
  readonly level: 'error' | 'warning';
  readonly file?: string;
  readonly line?: number;
}

export interface CompiledSlo {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
  readonly groups: readonly RuleGroup[];
}

export interface CompileResult {
  readonly slos: readonly CompiledSlo[];
  readonly issues: readonly CompileIssue[];
}

/** Pure and deterministic: every resource currently known in, rule groups of the valid SLOs and issues out. */
export type CompileFn = (resources: readonly SourcedResource[]) => CompileResult;

export class CompilePipelineMissingError extends Error {
  readonly code = 'VIGIL_COMPILE_MISSING';
}

/** Placeholder until src/rules lands on main; the CLI refuses to start the controller with it. */
export const defaultCompile: CompileFn | undefined = undefined;

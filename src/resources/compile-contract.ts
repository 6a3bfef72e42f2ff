/**
 * The contract between the controller and the pure rule pipeline (src/model + src/rules): the controller
 * sees only these shapes, and `compile` is injected (ControllerOptions.compile) with `defaultCompile`, the
 * real pipeline, as the production value.
 */
import { compile } from '../rules/compile.js';
import type { SourcedResource } from '../model/resource.js';

export type { ResourceOrigin, SourcedResource } from '../model/resource.js';
export type { Issue as CompileIssue } from '../model/issue.js';
export type { Rule, RuleGroup } from '../rules/rule-group.js';
export { SYSTEM_NAMESPACE } from '../rules/compile.js';

export const resourceKinds = ['ServiceLevelIndicatorTemplate', 'ServiceLevelObjective', 'AlertingPolicy'] as const;
export type ResourceKind = (typeof resourceKinds)[number];

export function isResourceKind(kind: string): kind is ResourceKind {
  return (resourceKinds as readonly string[]).includes(kind);
}

export type { CompiledSlo, CompileResult } from '../rules/compile.js';

/** Pure and deterministic: resources in, rule groups of the valid SLOs and every issue out. */
export type CompileFn = (resources: readonly SourcedResource[]) => CompileResult;
type CompileResult = import('../rules/compile.js').CompileResult;

export const defaultCompile: CompileFn = compile;
export { contentHash } from '../rules/render-output.js';

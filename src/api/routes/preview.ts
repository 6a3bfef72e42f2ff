/**
 * POST /preview: the rules Vigil would generate for the posted resources (an SLO, optionally its template
 * and policies; the built-ins are added unless `builtins: false`). Nothing is applied. Invalid input is a
 * 422 with every issue and its field path.
 */
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { refKey, type SourcedResource } from '../../model/resource.js';
import { compile } from '../../rules/compile.js';
import { renderOutput, type OutputFormat } from '../../rules/render-output.js';
import { requireNamespace } from '../auth/access.js';
import type { ApiContext } from '../context.js';
import { apiError } from '../errors.js';
import { errorResponses } from '../schemas/common.js';
import { PreviewBody, PreviewResult } from '../schemas/other.js';

const issueOut = (i: { level: 'error' | 'warning'; kind: string; namespace: string; name: string; path: string; message: string }) => ({
  level: i.level,
  kind: i.kind,
  namespace: i.namespace,
  name: i.name,
  path: i.path,
  message: i.message,
});

export const previewRoutes: FastifyPluginAsync<ApiContext> = async (app, ctx) => {
  app.post<{ Body: Static<typeof PreviewBody> }>(
    '/preview',
    {
      schema: {
        tags: ['preview'],
        summary: 'Render the rules for a posted SLO without applying them',
        body: PreviewBody,
        response: { 200: PreviewResult, ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body;
      const posted: SourcedResource[] = body.resources.map((r) => ({
        apiVersion: r.apiVersion,
        kind: r.kind,
        metadata: { name: r.metadata.name, namespace: r.metadata.namespace ?? 'default' },
        spec: r.spec,
      }));
      for (const r of posted) if (r.kind === 'ServiceLevelObjective') await requireNamespace(request.access, r.metadata.namespace);
      const postedKeys = new Set(posted.map((r) => `${r.kind}/${refKey(r.metadata)}`));
      const builtins = body.builtins === false ? [] : ctx.builtins.filter((r) => !postedKeys.has(`${r.kind}/${refKey(r.metadata)}`));
      const result = compile([...posted, ...builtins]);
      const errors = result.issues.filter((i) => i.level === 'error');
      if (errors.length > 0) {
        throw apiError('INVALID_RESOURCES', `${errors.length} error(s); first: ${errors[0]!.kind} ${errors[0]!.namespace}/${errors[0]!.name}: ${errors[0]!.path ? `${errors[0]!.path}: ` : ''}${errors[0]!.message}`, {
          issues: result.issues.map(issueOut),
        });
      }
      const slos = result.slos.filter((s) => postedKeys.has(`ServiceLevelObjective/${s.namespace}/${s.name}`));
      if (slos.length === 0) throw apiError('INVALID_RESOURCES', 'resources contain no ServiceLevelObjective to render', { issues: result.issues.map(issueOut) });
      const format = (body.format ?? 'rule-file') as OutputFormat;
      return {
        slos: slos.map((s) => ({ namespace: s.namespace, name: s.name, rules: s.groups.reduce((n, g) => n + g.rules.length, 0) })),
        format,
        output: renderOutput(slos, format),
        warnings: result.issues.map(issueOut),
      };
    },
  );
};

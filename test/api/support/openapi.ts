/**
 * Validates responses against the app's own /openapi.json: the schema of the route's status (or its
 * 4XX/5XX range) must accept the body. Fails when a route lacks a schema for what it answered.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };

export interface OpenApiChecker {
  /** `path` is the OpenAPI template, e.g. `/api/v1/slos/{namespace}/{name}`. */
  check(method: string, path: string, response: { statusCode: number; body: string; headers: Record<string, unknown> }): void;
  readonly checked: Set<string>;
  readonly doc: Doc;
}

export async function openApiChecker(app: FastifyInstance): Promise<OpenApiChecker> {
  const res = await app.inject('/openapi.json');
  expect(res.statusCode).toBe(200);
  const doc = JSON.parse(res.body) as Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  const cache = new Map<string, ReturnType<typeof ajv.compile>>();
  const checked = new Set<string>();
  return {
    doc,
    checked,
    check(method, path, response) {
      const op = doc.paths[path]?.[method.toLowerCase()];
      expect(op, `no operation ${method} ${path} in /openapi.json`).toBeDefined();
      const status = String(response.statusCode);
      const entry = op!.responses[status] ?? op!.responses[`${status[0]}XX`] ?? op!.responses[`${status[0]}xx`];
      expect(entry, `${method} ${path} answered ${status}, which /openapi.json does not describe`).toBeDefined();
      const [, media] = Object.entries(entry!.content ?? {})[0] ?? [];
      const type = String(response.headers['content-type'] ?? '').startsWith('application/json') ? 'application/json' : 'text';
      expect(media, `${method} ${path} ${status} has no response schema`).toBeDefined();
      const key = `${method} ${path} ${status}`;
      let validate = cache.get(key);
      if (!validate) cache.set(key, (validate = ajv.compile(media!.schema)));
      const body = type === 'application/json' ? JSON.parse(response.body) : response.body;
      const ok = validate(body);
      expect(ok, `${key}: ${ajv.errorsText(validate.errors)}\n${response.body.slice(0, 500)}`).toBe(true);
      checked.add(`${method} ${path}`);
    },
  };
}

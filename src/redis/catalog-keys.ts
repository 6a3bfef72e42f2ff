/**
 * Redis keys of the API catalog (what the controller publishes for the REST API), in one place. They share
 * the `{vigil}` hash tag with the worker's keys (src/redis/redis-keys.ts), so all live in one Cluster slot.
 */
import { hashTag } from './redis-keys.js';

export const catalogKeys = {
  /** Hash: `namespace/name` → SLO document (JSON). */
  sloDocuments: `${hashTag}:catalog:slo-doc`,
  /** Hash: `namespace/name` → SLI template document (JSON). */
  templates: `${hashTag}:catalog:template`,
  /** String: bumped on every document write; API replicas refresh their in-process cache when it changes. */
  documentsVersion: `${hashTag}:catalog:doc:version`,
} as const;

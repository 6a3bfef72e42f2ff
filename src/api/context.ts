/** What the route plugins share: data access, limits and the clock. Passed as plugin options. */
import type { Redis } from 'ioredis';
import type { SourcedResource } from '../model/resource.js';
import type { BudgetResults } from './data/budget-results.js';
import type { HealthReader } from './data/health-reader.js';
import type { MetricsReader } from '../prometheus/prometheus-reader.js';
import type { SloIndex } from './data/slo-index.js';
import type { RangeLimits } from './time-range.js';

export interface ApiContext {
  readonly redis: Redis;
  readonly index: SloIndex;
  readonly results: BudgetResults;
  readonly health: HealthReader;
  readonly prometheus: MetricsReader;
  /** Built-in templates and policy sets, added to previews. */
  readonly builtins: readonly SourcedResource[];
  readonly limits: RangeLimits;
  readonly now: () => number;
}
import type {} from '@fastify/swagger';

/** `vigil api`'s own options (also used by `vigil all`), with the shared precedence: flag, `VIGIL_*`, default. */
import { ConfigError, optionReader, type OptionDoc } from '../config/config.js';

export const apiOptions: readonly OptionDoc[] = [
  { flag: 'rate-limit', env: 'VIGIL_API_RATE_LIMIT', default: '600', description: 'API requests per minute per client address (0 = off)' },
];

export const apiParseOptions = { 'rate-limit': { type: 'string' as const } };

/** Requests per minute per client address; false turns limiting off. */
export function resolveRateLimit(flags: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): number | false {
  const text = optionReader(apiOptions, flags, env)('rate-limit');
  const rate = Number(text);
  if (!Number.isInteger(rate) || rate < 0) throw new ConfigError(`--rate-limit must be a whole number ≥ 0, got ${JSON.stringify(text)}`);
  return rate === 0 ? false : rate;
}

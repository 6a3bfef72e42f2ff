/**
 * The synthetic mesh checks: 14 days of per-minute signals with daily and weekly seasonality and
 * noise. Week 1 is learning (in production, baselines are backfilled from Prometheus history); week 2 is
 * judged.
 */
import { describe, expect, it } from 'vitest';
import { applySloBurns, defaultEntityOptions, initialEntityState, scoreEntity, type EntityHealth, type EntityState } from '../../src/health/entity-health.js';
import type { SignalName } from '../../src/health/signals.js';
import { defaultProfile, gaussian, generate, prng, type Sample, type ServiceProfile } from './synthetic-mesh.js';

const WEEK_MINUTES = 7 * 1440;

interface Service {
  readonly name: string;
  readonly seed: number;
  readonly profile: ServiceProfile;
}

const services: Service[] = [
  { name: 'busy frontend', seed: 1, profile: { ...defaultProfile, peakRps: 200 } },
  { name: 'mid-size api', seed: 2, profile: defaultProfile },
  { name: 'slow backend', seed: 3, profile: { ...defaultProfile, peakRps: 120, p95Ms: 400, p99Ms: 1200, cpuAtPeak: 0.4 } },
];

const cache = new Map<string, { samples: Sample[]; states: EntityState[] }>();
/** Samples and the entity state *before* each minute (states are immutable, so sharing is safe). */
function history(service: Service): { samples: Sample[]; states: EntityState[] } {
  const hit = cache.get(service.name);
  if (hit) return hit;
  const samples = generate(14 * 1440, service.seed, service.profile);
  const states: EntityState[] = [];
  let state = initialEntityState();
  for (const s of samples) {
    states.push(state);
    state = scoreEntity(state, s).state;
  }
  const entry = { samples, states };
  cache.set(service.name, entry);
  return entry;
}

function unhealthyEpisodes(service: Service, from: number, to: number): number {
  const { samples, states } = history(service);
  let episodes = 0;
  let previous = false;
  for (let i = from; i < to; i++) {
    const bad = scoreEntity(states[i]!, samples[i]!).health.status === 'unhealthy';
    if (bad && !previous) episodes++;
    previous = bad;
  }
  return episodes;
}

type Fault = (values: Record<SignalName, number>, random: () => number, profile: ServiceProfile) => void;
const faults: Record<string, Fault> = {
  // Five times the error *rate*: the minute's errors are drawn again from the raised rate (multiplying
  // the observed ratio would keep a minute with no errors at zero).
  '5xx x5': (v, random, profile) => {
    const requests = v.request_rate * 60;
    const expected = requests * profile.errorRatio * 5;
    const errors = Math.max(0, Math.round(expected + Math.sqrt(expected) * gaussian(random)));
    v.error_ratio = requests > 0 ? errors / requests : 0;
  },
  'p99 x2': (v) => void (v.latency_p99 *= 2),
  'traffic -50%': (v) => void (v.request_rate *= 0.5),
  'CPU saturation': (v) => {
    v.cpu_saturation = 0.98;
    v.cpu_throttling = 0.3;
  },
};

/** Runs `minutes` faulty cycles from minute `start`; returns health per cycle. */
function inject(service: Service, fault: Fault, start: number, minutes: number) {
  const { samples, states } = history(service);
  const random = prng(start + service.seed);
  let state = states[start]!;
  const out = [];
  for (let i = start; i < start + minutes; i++) {
    const values = { ...samples[i]!.values };
    fault(values, random, service.profile);
    const r = scoreEntity(state, { timestampMs: samples[i]!.timestampMs, values });
    state = r.state;
    out.push(r.health);
  }
  return out;
}

describe('synthetic mesh: normal traffic', () => {
  it.each(services)('$name: at most one false "unhealthy" in the judged week', (service) => {
    expect(unhealthyEpisodes(service, WEEK_MINUTES, 14 * 1440)).toBeLessThanOrEqual(1);
  });
});

describe('synthetic mesh: small services', () => {
  // At 10 or 2 requests per second a service sees an error every few minutes: its 5xx share is a handful of
  // discrete values (0, 1/n, 2/n …), so only its counts are evidence; its ratio's deviations are not.
  const small: Service[] = [
    { name: 'small api (10 rps)', seed: 11, profile: { ...defaultProfile, peakRps: 10 } },
    { name: 'tiny api (2 rps)', seed: 12, profile: { ...defaultProfile, peakRps: 2 } },
  ];
  it.each(small)('$name: at most one false "unhealthy" in the judged week', (service) => {
    expect(unhealthyEpisodes(service, WEEK_MINUTES, 14 * 1440)).toBeLessThanOrEqual(1);
  });

  it('judging the few-error share by its deviations too would page on noise many times a week', () => {
    const service = small[0]!;
    const samples = generate(14 * 1440, service.seed, service.profile);
    const options = { ...defaultEntityOptions, minErrorsForRatio: 0 };
    let state = initialEntityState();
    let episodes = 0;
    let previous = false;
    samples.forEach((sample, i) => {
      const r = scoreEntity(state, sample, options);
      state = r.state;
      const bad = i >= WEEK_MINUTES && r.health.status === 'unhealthy';
      if (bad && !previous) episodes++;
      previous = bad;
    });
    expect(episodes).toBeGreaterThan(3);
  });
});

describe('synthetic mesh: injected faults', () => {
  // Faults start on day 12 (a Friday) and day 13 (a Saturday) in the morning ramp and at the peak…
  const cases = services.flatMap((service) =>
    Object.keys(faults).flatMap((fault) =>
      [11 * 1440 + 9 * 60, 11 * 1440 + 15 * 60, 12 * 1440 + 11 * 60].map((start) => ({
        service,
        fault,
        start,
        cycles: 3,
        label: `${service.name}: ${fault} on day ${Math.floor(start / 1440) + 1} at ${(start % 1440) / 60}:00`,
      })),
    ),
  );
  // …and at night (3:00), where the mid-size api sees about one error a minute: the error counts of the
  // last cycles against the learned share (count evidence) tell a ×5 rise from Poisson noise.
  const night = services.flatMap((service) =>
    Object.keys(faults).map((fault) => ({ service, fault, start: 11 * 1440 + 3 * 60, cycles: 3, label: `${service.name}: ${fault} at night (3:00)` })),
  );
  it.each([...cases, ...night])('$label drives the score below 0.5 within $cycles cycles, with the signal in the reason', ({ service, fault, start, cycles }) => {
    const health = inject(service, faults[fault]!, start, cycles);
    const firstBad = health.findIndex((h) => h.status === 'unhealthy' && (h.score ?? 1) < 0.5);
    expect(firstBad).toBeGreaterThanOrEqual(0);
    expect(firstBad).toBeLessThan(cycles);
    const signal = { '5xx x5': 'error_ratio', 'p99 x2': 'latency_p99', 'traffic -50%': 'request_rate', 'CPU saturation': 'cpu_saturation' }[fault]!;
    expect(health[firstBad]!.reasons.join('\n')).toContain(signal);
  });

  it('mid-size api: a night-time 5xx ×5 (about one error a minute before) is found by its error counts', () => {
    const health = inject(services[1]!, faults['5xx x5']!, 11 * 1440 + 3 * 60, 3);
    const firstBad = health.findIndex((h) => h.status === 'unhealthy');
    expect(firstBad).toBeGreaterThanOrEqual(0);
    expect(health[firstBad]!.reasons[0]).toMatch(/^error_ratio above its expected share: \d+ errors in the last 3 cycles where [\d.]+ were expected/);
  });

  it('mid-size api: a night-time doubling of 5xx (about one more error a minute) that lasts is found within the hour', () => {
    const doubled: Fault = (v, random, profile) => {
      const requests = v.request_rate * 60;
      const expected = requests * profile.errorRatio * 2;
      const errors = Math.max(0, Math.round(expected + Math.sqrt(expected) * gaussian(random)));
      v.error_ratio = requests > 0 ? errors / requests : 0;
    };
    const health = inject(services[1]!, doubled, 11 * 1440 + 3 * 60, 120);
    const first = health.findIndex((h) => h.status === 'unhealthy');
    expect(first).toBeGreaterThan(2);
    expect(first).toBeLessThan(60);
    expect(health[first]!.reasons.join('\n')).toMatch(/^error_ratio above its expected share: .* errors in the last \d+ cycles/);
  });

  it.each(services)('$name: a persisting fault is not learned as normal within 6 hours', (service) => {
    const health = inject(service, faults['p99 x2']!, 11 * 1440 + 10 * 60, 6 * 60);
    const unhealthy = health.filter((h) => h.status === 'unhealthy').length;
    expect(unhealthy / health.length).toBeGreaterThan(0.95);
  });

  // Recovery once a 1-hour fault ends: the held fault is released after `releaseCycles` (3) cycles that
  // look normal by the pre-fault standard (for counts, once the 3-cycle window no longer holds faulty
  // cycles), without waiting for what the live state learned during the fault to fade. Night-time traffic
  // and CPU faults end into the morning ramp, where a frozen recent baseline would be stale.
  const recoveries = services.flatMap((service) =>
    [
      { fault: 'p99 x2', signal: 'latency_p99', hour: 10, within: 3 },
      { fault: '5xx x5', signal: 'error_ratio', hour: 10, within: 5 },
      { fault: 'traffic -50%', signal: 'request_rate', hour: 3, within: 3 },
      { fault: 'CPU saturation', signal: 'cpu_saturation', hour: 3, within: 3 },
    ].map((c) => ({ ...c, service, label: `${service.name}: ${c.fault} from ${c.hour}:00` })),
  );
  it.each(recoveries)('$label for an hour: healthy within $within cycles of its end, and stays so', ({ service, fault, signal, hour, within }) => {
    const start = 11 * 1440 + hour * 60;
    const { samples, states } = history(service);
    const random = prng(start + service.seed);
    let state = states[start]!;
    const statuses: string[] = [];
    for (let i = start; i < start + 180; i++) {
      const values = { ...samples[i]!.values };
      if (i < start + 60) faults[fault]!(values, random, service.profile);
      const r = scoreEntity(state, { timestampMs: samples[i]!.timestampMs, values });
      state = r.state;
      statuses.push(r.health.status);
    }
    expect(statuses.slice(2, 60).every((s) => s === 'unhealthy')).toBe(true);
    expect(statuses.slice(60 + within).every((s) => s === 'healthy')).toBe(true);
    expect(state.held?.[signal as SignalName]).toBeUndefined();
  });

  it('a 2-day fault that burns an SLO is still reported unhealthy on day 2, and the reason says so', () => {
    const service = services[1]!;
    const start = 12 * 1440;
    const minutes = 2 * 1440;
    // The injected fault, kept per minute: the health the scorer gives and the requests and errors it saw.
    const { samples, states } = history(service);
    const random = prng(start + service.seed);
    let state = states[start]!;
    const health: EntityHealth[] = [];
    const requests: number[] = [];
    const errors: number[] = [];
    for (let i = start; i < start + minutes; i++) {
      const values = { ...samples[i]!.values };
      faults['5xx x5']!(values, random, service.profile);
      const r = scoreEntity(state, { timestampMs: samples[i]!.timestampMs, values });
      state = r.state;
      health.push(r.health);
      requests.push(values.request_rate * 60);
      errors.push(values.error_ratio * values.request_rate * 60);
    }
    // The burn an SLO of 99.9 % sees over its 6-hour window, from those requests (workbook policy: 6x).
    const sixHours = 6 * 60;
    const burnAt = (minute: number) => {
      const from = Math.max(0, minute + 1 - sixHours);
      const sum = (list: number[]) => list.slice(from, minute + 1).reduce((a, b) => a + b, 0);
      return sum(errors) / sum(requests) / 0.001;
    };
    const judged = health.slice(1440).map((h, i) => ({ health: h, burn: { slo: 'api-availability', window: '6h', burnRate: burnAt(1440 + i), threshold: 6 } }));
    expect(judged).toHaveLength(1440);
    // The fault, not the test, makes the SLO burn past its threshold all day.
    expect(judged.every(({ burn }) => burn.burnRate > burn.threshold)).toBe(true);
    const reported = judged.map(({ health: h, burn }) => applySloBurns(h, [burn]));
    expect(reported.every((h) => h.status === 'unhealthy' && (h.score ?? 1) < 0.5)).toBe(true);
    expect(reported.every((h) => h.reasons[0]!.includes('SLO api-availability is burning its error budget'))).toBe(true);
  });
});

/**
 * CPU of one entity's health cycle without Redis or Prometheus: decode its state (7 signals, two days
 * learned), score one observation, encode the state again. 10,000 entities cost 10,000 times this per
 * cycle, spread over the workers; health-cycle measures the whole cycle with real Redis and Prometheus.
 *
 *   npm run bench health-entity
 */
import { initialEntityState, scoreEntity } from '../../src/health/entity-health.js';
import { decodeEntityState, encodeEntityState } from '../../src/health/state-codec.js';
import { generate } from '../health/synthetic-mesh.js';

const learnedMinutes = 2 * 1440;
const samples = generate(learnedMinutes + 200, 3);
let state = initialEntityState();
for (const s of samples.slice(0, learnedMinutes)) state = scoreEntity(state, s).state;
const text = encodeEntityState(state);
const cycles = 5000;
const runs: number[] = [];
for (let run = 0; run < 5; run++) {
  const before = process.cpuUsage();
  for (let i = 0; i < cycles; i++) encodeEntityState(scoreEntity(decodeEntityState(text), samples[learnedMinutes + (i % 200)]!).state);
  const used = process.cpuUsage(before);
  runs.push((used.user + used.system) / cycles);
}
runs.sort((a, b) => a - b);
console.log(`entity cycle (decode, score 7 signals, encode): median ${runs[2]!.toFixed(0)} µs CPU, best ${runs[0]!.toFixed(0)} µs (5 runs of ${cycles}); state ${text.length} B`);

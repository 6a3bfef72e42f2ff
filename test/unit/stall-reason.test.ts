import { describe, expect, it } from 'vitest';
import { stallReason, type StallObservation } from '../../src/worker/supervised-worker.js';

const LIMIT = 16_000;
const look = (atMs: number, over: Partial<Omit<StallObservation, 'due'>> & { due?: Partial<StallObservation['due']> } = {}): StallObservation => ({
  jobsStarted: 5,
  freeSlot: true,
  lastFetchAttemptMs: atMs - 1000,
  fetchAttemptLimitMs: LIMIT,
  ...over,
  due: { atMs, oldestWaitingJobId: undefined, earliestDelayedDueMs: undefined, ...over.due },
});

describe('stallReason', () => {
  it('never judges from one look', () => {
    expect(stallReason(undefined, look(100_000, { lastFetchAttemptMs: 0, due: { oldestWaitingJobId: '7' } }))).toBeUndefined();
  });

  it('a fetch loop that asked for nothing for longer than the limit, across a whole interval, is stalled', () => {
    const previous = look(100_000, { lastFetchAttemptMs: 80_000 });
    expect(stallReason(previous, look(115_000, { lastFetchAttemptMs: 80_000 }))).toBe('no fetch attempt');
    // One more attempt in between: the loop is alive.
    expect(stallReason(previous, look(115_000, { lastFetchAttemptMs: 110_000 }))).toBeUndefined();
    // Not yet past the limit at the first look (e.g. just after Redis came back): wait for the next interval.
    expect(stallReason(look(100_000, { lastFetchAttemptMs: 90_000 }), look(115_000, { lastFetchAttemptMs: 90_000 }))).toBeUndefined();
  });

  it('the same waiting job untaken over an interval by a worker with room is a stall', () => {
    const previous = look(100_000, { due: { oldestWaitingJobId: '42' } });
    expect(stallReason(previous, look(115_000, { lastFetchAttemptMs: 114_000, due: { oldestWaitingJobId: '42' } }))).toBe('waiting job untaken');
    expect(stallReason(previous, look(115_000, { due: { oldestWaitingJobId: '43' } }))).toBeUndefined();
    expect(stallReason(previous, look(115_000))).toBeUndefined();
  });

  it('a delayed job already due at the first look and still delayed at the second is a stall', () => {
    const previous = look(100_000, { due: { earliestDelayedDueMs: 98_000 } });
    expect(stallReason(previous, look(115_000, { due: { earliestDelayedDueMs: 98_000 } }))).toBe('delayed job overdue');
    // Due within the clock-skew allowance of the first look, or later: not yet.
    expect(stallReason(previous, look(115_000, { due: { earliestDelayedDueMs: 99_500 } }))).toBeUndefined();
    expect(stallReason(previous, look(115_000, { due: { earliestDelayedDueMs: 120_000 } }))).toBeUndefined();
  });

  it('a worker that started a job, or had no free slot, is not stalled whatever the queue holds', () => {
    const previous = look(100_000, { lastFetchAttemptMs: 0, due: { oldestWaitingJobId: '42', earliestDelayedDueMs: 0 } });
    const stuck = { lastFetchAttemptMs: 0, due: { oldestWaitingJobId: '42', earliestDelayedDueMs: 0 } };
    expect(stallReason(previous, look(115_000, stuck))).toBe('no fetch attempt');
    expect(stallReason(previous, look(115_000, { ...stuck, jobsStarted: 6 }))).toBeUndefined();
    expect(stallReason(previous, look(115_000, { ...stuck, freeSlot: false }))).toBeUndefined();
    expect(stallReason({ ...previous, freeSlot: false }, look(115_000, stuck))).toBeUndefined();
  });
});

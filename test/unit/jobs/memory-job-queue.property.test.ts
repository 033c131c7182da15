import fc from 'fast-check';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createMemoryJobQueue, ExhaustedJobs, RepeatTrigger } from '../../../src/jobs/index.js';
import { contractJob, contractOptions } from '../../integration/jobs/contract-job.js';

const KEYS = ['a', 'b', 'c'] as const;
const RETRY = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

/** One step of a random sequence: a trigger for a key, after some event-loop turns. */
const trigger = fc.record({ key: fc.constantFrom(...KEYS), pause: fc.nat({ max: 3 }) });
/** How each run ends, in the order runs start (cycled): throw, or finish after some turns. */
const outcome = fc.record({ fails: fc.boolean(), turns: fc.nat({ max: 3 }) });

type Event =
  | { readonly kind: 'trigger'; readonly key: string }
  | { readonly kind: 'start'; readonly key: string; readonly attempt: number }
  | { readonly kind: 'end'; readonly key: string; readonly attempt: number; readonly failed: boolean };

/** Plays `triggers` into an in-process queue whose handler ends runs as `outcomes` say; returns what happened. */
async function play(
  repeat: RepeatTrigger,
  exhausted: ExhaustedJobs,
  triggers: readonly { key: string; pause: number }[],
  outcomes: readonly { fails: boolean; turns: number }[],
): Promise<{ events: Event[]; failedKept: number; overlaps: string[] }> {
  const queue = createMemoryJobQueue(contractOptions(repeat, exhausted, RETRY));
  const events: Event[] = [];
  const running = new Set<string>();
  const overlaps: string[] = [];
  let runs = 0;
  await queue.start(async (job, attempt) => {
    if (running.has(job.key)) overlaps.push(job.key);
    running.add(job.key);
    events.push({ kind: 'start', key: job.key, attempt });
    const { fails, turns } = outcomes[runs++ % outcomes.length]!;
    for (let turn = 0; turn < turns; turn += 1) await nextTurn();
    running.delete(job.key);
    events.push({ kind: 'end', key: job.key, attempt, failed: fails });
    if (fails) throw new Error('FeatBit answered 503');
  });
  for (const { key, pause } of triggers) {
    for (let turn = 0; turn < pause; turn += 1) await nextTurn();
    events.push({ kind: 'trigger', key });
    await queue.enqueue(contractJob(key));
  }
  await queue.whenIdle(10_000);
  const failedKept = (await queue.listFailed(1000)).length;
  await queue.close();
  return { events, failedKept, overlaps };
}

/** Whether a run of `key` was under way when event `index` happened. */
function runningAt(events: readonly Event[], index: number, key: string): boolean {
  let open = 0;
  for (const event of events.slice(0, index))
    if (event.key === key) open += event.kind === 'start' ? 1 : event.kind === 'end' ? -1 : 0;
  return open > 0;
}

/** Jobs that ended for good after failing: their last attempt failed. */
const exhaustedRuns = (events: readonly Event[]): number =>
  events.filter((event) => event.kind === 'end' && event.failed && event.attempt === RETRY.attempts).length;

describe('the in-process job queue over random triggers and failures', () => {
  it('with RunAgain: never runs one key twice at once, and every trigger is followed by a run of its key', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(trigger, { minLength: 1, maxLength: 25 }),
        fc.array(outcome, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(ExhaustedJobs.Keep, ExhaustedJobs.Drop),
        async (triggers, outcomes, exhausted) => {
          const { events, failedKept, overlaps } = await play(RepeatTrigger.RunAgain, exhausted, triggers, outcomes);
          expect(overlaps).toEqual([]);
          for (const [index, event] of events.entries()) {
            if (event.kind !== 'trigger') continue;
            const later = events.slice(index + 1).some((next) => next.kind === 'start' && next.key === event.key);
            expect(later, `trigger ${index} of ${event.key} had no run after it`).toBe(true);
          }
          expect(failedKept).toBe(exhausted === ExhaustedJobs.Keep ? exhaustedRuns(events) : 0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('with Ignore: never runs one key twice at once, and a trigger goes unanswered only while its key runs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(trigger, { minLength: 1, maxLength: 25 }),
        fc.array(outcome, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(ExhaustedJobs.Keep, ExhaustedJobs.Drop),
        async (triggers, outcomes, exhausted) => {
          const { events, failedKept, overlaps } = await play(RepeatTrigger.Ignore, exhausted, triggers, outcomes);
          expect(overlaps).toEqual([]);
          for (const [index, event] of events.entries()) {
            if (event.kind !== 'trigger') continue;
            const later = events.slice(index + 1).some((next) => next.kind === 'start' && next.key === event.key);
            expect(later || runningAt(events, index, event.key), `trigger ${index} of ${event.key} was lost`).toBe(
              true,
            );
          }
          const starts = events.filter((event) => event.kind === 'start' && event.attempt === 1).length;
          expect(starts).toBeLessThanOrEqual(triggers.length);
          expect(failedKept).toBe(exhausted === ExhaustedJobs.Keep ? exhaustedRuns(events) : 0);
        },
      ),
      { numRuns: 60 },
    );
  });
});

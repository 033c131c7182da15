import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdaptiveLimit } from '../../../src/featbit/rest-client/index.js';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the adaptive concurrency limit of the FeatBit client', () => {
  it('grows by one after a full window of healthy answers, up to its maximum', async () => {
    const limit = new AdaptiveLimit(6, 2);
    for (let index = 0; index < 40; index += 1)
      await limit.run(
        async () => 'ok',
        () => false,
      );
    expect(limit.current).toBe(6);
  });

  it('halves on an overloaded answer, down to one', async () => {
    const limit = new AdaptiveLimit(16, 16);
    await limit.run(
      async () => 503,
      () => true,
    );
    expect(limit.current).toBe(8);
    for (let index = 0; index < 10; index += 1)
      await limit.run(
        async () => 503,
        () => true,
      );
    expect(limit.current).toBe(1);
  });

  it('never runs more tasks at once than its current limit (random outcomes)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        async (overloads, max) => {
          const limit = new AdaptiveLimit(max);
          let running = 0;
          let violated = false;
          await Promise.all(
            overloads.map((overloaded) =>
              limit.run(
                async () => {
                  running += 1;
                  if (running > max || running > limit.current + 1) violated = true;
                  await settle();
                  running -= 1;
                },
                () => overloaded,
              ),
            ),
          );
          expect(violated).toBe(false);
          expect(limit.inUse).toBe(0);
          expect(limit.current).toBeGreaterThanOrEqual(1);
          expect(limit.current).toBeLessThanOrEqual(max);
        },
      ),
    );
  });
});

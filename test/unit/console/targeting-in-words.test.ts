import { describe, expect, it } from 'vitest';
import { targetingInWords } from '../../../src/console/index.js';
import { jsonFlag } from '../../support/json-flag.js';

describe('targeting in words', () => {
  it('names each rule, its audience and each variation share, and individual targets', () => {
    const flag = jsonFlag(
      'env',
      'support-assistant-prompt',
      [
        { id: 'current', name: 'current', value: 'a' },
        { id: 'concise', name: 'concise', value: 'b' },
      ],
      [
        {
          id: 'r1',
          name: 'beta users',
          conditions: [{ property: 'plan', op: 'Equal', value: 'beta' }],
          variations: [
            { id: 'concise', rollout: [0, 0.25] },
            { id: 'current', rollout: [0.25, 1] },
          ],
        },
      ],
    ) as Record<string, unknown>;
    flag.targetUsers = [{ keyIds: ['u1', 'u2'], variationId: 'concise' }];
    expect(targetingInWords(flag)).toEqual([
      'the flag is on',
      '2 individually targeted user(s) get "concise"',
      'rule "beta users" (plan Equal beta) serves "concise" to 25%, "current" to 75%',
      'the default rule serves "current" to 100%',
    ]);
  });

  it('says when the configuration cannot be read instead of guessing', () => {
    expect(targetingInWords({ key: 'x' })).toEqual(['the edited configuration could not be read']);
  });
});

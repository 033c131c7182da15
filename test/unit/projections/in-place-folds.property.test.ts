import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActorKind, LedgerEventType } from '../../../src/ledger/index.js';
import { flagSubject } from '../../../src/ledger-events/index.js';
import { foldApprovedStates } from '../../../src/approved-state/projection/index.js';
import { foldChangeRecords } from '../../../src/changes/projection/index.js';
import { LedgerProjections } from '../../../src/projections/index.js';
import { scaleFlag, statePayload } from '../../bench/scale-support.js';
import { MemoryLedgerStore } from './memory-ledger-store.js';

const ENVS = ['env-a', 'env-b', 'env-c'];
const actor = { id: 'admin', kind: ActorKind.User, roles: ['admin'] };

/** One ledger write of a random sequence: an adoption or approval of a flag, a malformed one, or an unrelated entry. */
const writeArbitrary = fc.oneof(
  fc.record({
    kind: fc.constantFrom('adopt', 'approve'),
    env: fc.constantFrom(...ENVS),
    flag: fc.nat(7),
    share: fc.integer({ min: 1, max: 99 }),
  }),
  fc.record({ kind: fc.constant('malformed'), env: fc.constantFrom(...ENVS), flag: fc.nat(7), share: fc.constant(0) }),
  fc.record({ kind: fc.constant('other'), env: fc.constantFrom(...ENVS), flag: fc.constant(0), share: fc.constant(0) }),
);

describe('projection folds that update in place', () => {
  it('give every environment exactly the states a fold from genesis gives, in the same order, and report the environments each catch-up changed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(writeArbitrary, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
        async (batches) => {
          const store = new MemoryLedgerStore();
          const projections = new LedgerProjections(store);
          const reported: Set<string>[] = [];
          projections.onApprovedChange((envIds) => reported.push(new Set(envIds)));
          for (const batch of batches) {
            const expectedChanged = new Set<string>();
            for (const write of batch) {
              const flag = scaleFlag(write.flag, write.share / 100);
              if (write.kind === 'other') {
                await store.append({
                  type: LedgerEventType.ManifestSigned,
                  actor,
                  subject: `env:${write.env}`,
                  data: { envId: write.env },
                });
                continue;
              }
              const type = write.kind === 'adopt' ? LedgerEventType.FlagAdopted : LedgerEventType.ApprovedStateSet;
              const data =
                write.kind === 'malformed' ? { state: { envId: write.env } } : { state: statePayload(write.env, flag) };
              await store.append({ type, actor, subject: flagSubject(write.env, flag.key), data });
              if (write.kind !== 'malformed') expectedChanged.add(write.env);
            }
            reported.length = 0;
            await projections.catchUp();
            expect(reported.length > 0 ? [...reported[0]!].sort() : []).toEqual([...expectedChanged].sort());
            const genesis = foldApprovedStates(store.entries);
            for (const env of ENVS) {
              expect(projections.approvedInEnv(env)).toEqual(
                [...genesis.states.values()].filter((state) => state.envId === env),
              );
            }
            expect(projections.envIds().sort()).toEqual(
              [...new Set([...genesis.states.values()].map((state) => state.envId))].sort(),
            );
            expect(projections.changes).toEqual(foldChangeRecords(store.entries));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

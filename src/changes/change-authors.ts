import { authorsOf } from '../../policies/index.js';
import type { EvalBar } from '../../policies/index.js';
import { EvidenceResult, EvidenceType, typedContentOf, type EvidenceItem } from './model/index.js';
import type { MetricCheck } from './eval-check.js';
import { checkTypedEvidence } from './evidence-check.js';
import type { IdentityMapping, Principal } from '../identity/index.js';
import type { ChangeRecordFields, LoadedChangeRecordState } from './projection/index.js';
import { candidateHashOf, rollbackHashOf } from './change-derivation.js';

/** featgate's guardrail identity: the only attacher whose `guardrailMetrics` evidence counts (ServiceActorId.Guardrails). */
const GUARDRAILS_IDENTITY = 'featgate-guardrails';

/** One author of a change and what they wrote. */
export interface ChangeAuthor {
  readonly identity: string;
  /** The person the identity mapping says this is. */
  readonly person: string;
  readonly why: string;
}

/**
 * Everyone who wrote any part of a change (the requester, each editor, the FeatBit operator of an intercepted
 * edit), each with what they did. None of them may approve it, ramp it when the tier forbids, or vouch for it.
 */
export function changeAuthors(
  record: ChangeRecordFields,
  identities: IdentityMapping,
  proposal: boolean,
): ChangeAuthor[] {
  const seen = new Set<string>();
  const authors: ChangeAuthor[] = [];
  for (const identity of authorsOf(record)) {
    if (seen.has(identity)) continue;
    seen.add(identity);
    const why = identities.samePerson(identity, record.requester)
      ? proposal
        ? 'made the FeatBit edit this proposal would apply'
        : 'requested the change'
      : 'edited the change';
    authors.push({ identity, person: identities.personOf(identity), why });
  }
  return authors;
}

/** Whether the caller is an author of the record (by person, through the identity mapping). */
export function isAuthor(
  record: ChangeRecordFields,
  principal: Pick<Principal, 'id' | 'aliases'>,
  identities: IdentityMapping,
): boolean {
  const person = identities.personOfPrincipal(principal);
  return authorsOf(record).some((author) => identities.personOf(author) === person);
}

/** Whether one evidence item counts, and why not when it does not. */
export interface EvidenceVerdict {
  /** The item, its `result` replaced by featgate's verdict when featgate checked it. */
  readonly item: EvidenceItem;
  /** Where it came from: written into the record, or attached afterwards. */
  readonly source: 'record' | 'attached';
  readonly counts: boolean;
  /** Bound to this revision and candidate and attached by someone allowed to: its result is what decides. */
  readonly eligible: boolean;
  /** Whether featgate checked typed content (a claim, or an item from before typing, is not checked). */
  readonly checked: boolean;
  readonly reason: string;
  /** featgate's verdict per metric, for an eval or shadow traffic it checked. */
  readonly metrics: readonly MetricCheck[];
  /** What the attacher claimed, for a claim (never what decides typed evidence). */
  readonly claimedResult?: EvidenceResult;
}

/**
 * Checks every evidence item of a change: evidence counts only when attached through the API by a service
 * identity or by a person who is not an author, to the record's current revision and for its current candidates.
 * Evidence written into the record itself is the authors' own claim and never counts. Typed evidence is then
 * checked by featgate (`checkTypedEvidence`): its verdict is the item's result. A claim (only a `result`, or an
 * item from before typing) counts by its result, except where the policy checks the kind: an offlineEval under eval
 * bars never counts as a claim, and a `checked` requirement is never met by one (`decide`).
 */
export function evidenceVerdicts(
  state: LoadedChangeRecordState,
  identities: IdentityMapping,
  evalBars: readonly EvalBar[] = [],
): EvidenceVerdict[] {
  const candidateHash = candidateHashOf(state.record);
  const authors = new Set(authorsOf(state.record).map((author) => identities.personOf(author)));
  const base = { checked: false, metrics: [] } as const;
  // An item that does not count shows no result of its own: what the attacher claimed stays `claimedResult`.
  const voided = (item: EvidenceItem) => ({
    item: { ...item, result: EvidenceResult.Inconclusive },
    ...(item.result ? { claimedResult: item.result } : {}),
  });
  const verdicts: EvidenceVerdict[] = state.record.evidence.map((item) => ({
    ...base,
    ...voided(item),
    source: 'record',
    counts: false,
    eligible: false,
    reason:
      'written into the record by its authors: self-attested evidence satisfies nothing; attach it through the API from CI or another person',
  }));
  const context = {
    candidateHash,
    rollbackHash: rollbackHashOf(state.record),
    flagKeys: state.record.flags.map((flag) => flag.key),
    evalBars,
    isAuthor: (identity: string) => authors.has(identities.personOf(identity)),
  };
  for (const item of state.evidence) {
    const verdict = (counts: boolean, reason: string, eligible = counts): EvidenceVerdict => ({
      ...base,
      ...voided(item),
      source: 'attached',
      counts,
      eligible,
      reason,
    });
    const content = typedContentOf(item);
    if (item.revision === undefined || item.candidateHash === undefined) {
      verdicts.push(
        verdict(false, 'attached without a record revision and candidate hash (before evidence was bound)'),
      );
    } else if (item.revision !== state.revision) {
      verdicts.push(
        verdict(
          false,
          `attached to revision ${item.revision}; the record is at revision ${state.revision}, so an edit voided it`,
        ),
      );
    } else if (item.candidateHash !== candidateHash) {
      verdicts.push(
        verdict(
          false,
          `attached for candidate ${item.candidateHash.slice(0, 12)}; the candidate is now ${candidateHash.slice(0, 12)}`,
        ),
      );
    } else if (
      item.type === EvidenceType.GuardrailMetrics &&
      (item.attachedByKind !== 'service' || item.attachedBy !== GUARDRAILS_IDENTITY)
    ) {
      verdicts.push(
        verdict(
          false,
          `guardrail metrics come from featgate's own comparison of candidate and baseline telemetry (${GUARDRAILS_IDENTITY}), not from a claim by ${item.attachedBy ?? 'an unknown attacher'}`,
        ),
      );
    } else if (
      item.attachedByKind !== 'service' &&
      authors.has(
        identities.personOfPrincipal({
          id: item.attachedBy ?? '',
          ...(item.attachedByAliases ? { aliases: item.attachedByAliases } : {}),
        }),
      )
    ) {
      verdicts.push(
        verdict(
          false,
          `attached by ${item.attachedBy ?? 'an unknown person'}, an author of the change: nobody vouches for their own change`,
        ),
      );
    } else if (content) {
      const attacher = identities.personOfPrincipal({
        id: item.attachedBy ?? '',
        ...(item.attachedByAliases ? { aliases: item.attachedByAliases } : {}),
      });
      const isAttacher =
        item.attachedByKind === 'service'
          ? undefined
          : (identity: string) => identities.personOf(identity) === attacher;
      const check = checkTypedEvidence(content, {
        ...context,
        attachedAt: item.at,
        ...(isAttacher ? { isAttacher } : {}),
      });
      const judged = { ...item, result: check.passed ? EvidenceResult.Passed : EvidenceResult.Failed };
      verdicts.push({
        item: judged,
        source: 'attached',
        counts: check.passed,
        eligible: true,
        checked: true,
        reason: check.reason,
        metrics: check.metrics,
      });
    } else {
      const claimed = item.result ?? EvidenceResult.Inconclusive;
      const claim = (counts: boolean, reason: string): EvidenceVerdict => ({
        ...base,
        source: 'attached',
        counts,
        eligible: true,
        reason,
        item: {
          ...item,
          result: counts
            ? EvidenceResult.Passed
            : claimed === EvidenceResult.Passed
              ? EvidenceResult.Inconclusive
              : claimed,
        },
        claimedResult: claimed,
      });
      const legacy = item.type === EvidenceType.OfflineEval && item.eval !== undefined;
      if (item.type === EvidenceType.OfflineEval && evalBars.length > 0) {
        const metrics = [...new Set(evalBars.map((bar) => bar.metric))].join(', ');
        verdicts.push(
          claim(
            false,
            legacy
              ? `its numbers are in the single-metric format from before typed evidence, which featgate cannot check; the policy checks ${metrics}: attach the eval's metrics (eval)`
              : `a claim (${claimed}) without the eval's numbers: featgate checks ${metrics} itself; attach them (eval)`,
          ),
        );
      } else if (claimed !== EvidenceResult.Passed) {
        verdicts.push(claim(false, `claimed ${claimed}; only passed evidence satisfies a requirement`));
      } else {
        const by =
          item.attachedByKind === 'service'
            ? `the service identity ${item.attachedBy ?? ''}`
            : `${item.attachedBy ?? ''}, not an author`;
        verdicts.push(
          claim(true, `a claim attached by ${by}: counts only where the policy does not check ${item.type}`),
        );
      }
    }
  }
  return verdicts;
}

/** An evidence item whose result decides, with whether featgate checked it (a `checked` requirement needs that). */
export type CountedEvidence = EvidenceItem & { readonly result: EvidenceResult; readonly checked: boolean };

/** The evidence items whose result decides (see `evidenceVerdicts`): bound, and attached by someone allowed to. */
export function countedEvidence(
  state: LoadedChangeRecordState,
  identities: IdentityMapping,
  evalBars: readonly EvalBar[] = [],
): CountedEvidence[] {
  return evidenceVerdicts(state, identities, evalBars)
    .filter((verdict) => verdict.eligible)
    .map((verdict) => ({
      ...verdict.item,
      result: verdict.item.result ?? EvidenceResult.Inconclusive,
      checked: verdict.checked,
    }));
}

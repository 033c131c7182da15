import { authorsOf } from '../../policies/index.js';
import type { EvalBar } from '../../policies/index.js';
import { EvidenceResult, EvidenceType, type ChangeRecord, type EvidenceItem } from '../change/index.js';
import { checkEval } from './eval-check.js';
import { IdentityMapping, type Principal } from '../identity/index.js';
import type { ChangeRecordState } from '../projections/index.js';
import { candidateHashOf } from './change-derivation.js';

/** featgate's guardrail identity: the only attacher whose `guardrailMetrics` evidence counts (ServiceActorId.Guardrails). */
const GUARDRAILS_IDENTITY = 'featgate-guardrails';

/** The mapping used when the service is given none: every identity is its own person, case-folded. */
export const NO_PEOPLE = new IdentityMapping();

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
export function changeAuthors(record: ChangeRecord, identities: IdentityMapping, proposal: boolean): ChangeAuthor[] {
  const seen = new Set<string>();
  const authors: ChangeAuthor[] = [];
  for (const identity of authorsOf(record)) {
    if (seen.has(identity)) continue;
    seen.add(identity);
    const why =
      identities.samePerson(identity, record.requester)
        ? proposal
          ? 'made the FeatBit edit this proposal would apply'
          : 'requested the change'
        : 'edited the change';
    authors.push({ identity, person: identities.personOf(identity), why });
  }
  return authors;
}

/** Whether the caller is an author of the record (by person, through the identity mapping). */
export function isAuthor(record: ChangeRecord, principal: Pick<Principal, 'id' | 'aliases'>, identities: IdentityMapping): boolean {
  const person = identities.personOfPrincipal(principal);
  return authorsOf(record).some((author) => identities.personOf(author) === person);
}

/** Whether one evidence item counts, and why not when it does not. */
export interface EvidenceVerdict {
  readonly item: EvidenceItem;
  /** Where it came from: written into the record, or attached afterwards. */
  readonly source: 'record' | 'attached';
  readonly counts: boolean;
  /** Bound to this revision and candidate and attached by someone allowed to: its result is what decides. */
  readonly eligible: boolean;
  readonly reason: string;
}

/**
 * Checks every evidence item of a change: evidence counts only when attached through the API by a service
 * identity or by a person who is not an author, to the record's current revision and for its current candidates.
 * Evidence written into the record itself is the authors' own claim and never counts.
 */
export function evidenceVerdicts(state: ChangeRecordState, identities: IdentityMapping, evalBars: readonly EvalBar[] = []): EvidenceVerdict[] {
  const candidateHash = candidateHashOf(state.record);
  const authors = new Set(authorsOf(state.record).map((author) => identities.personOf(author)));
  const verdicts: EvidenceVerdict[] = state.record.evidence.map((item) => ({
    item,
    source: 'record',
    counts: false,
    eligible: false,
    reason: 'written into the record by its authors: self-attested evidence satisfies nothing; attach it through the API from CI or another person',
  }));
  for (const item of state.evidence) {
    const verdict = (counts: boolean, reason: string, eligible = counts): EvidenceVerdict => ({ item, source: 'attached', counts, eligible, reason });
    if (item.revision === undefined || item.candidateHash === undefined) {
      verdicts.push(verdict(false, 'attached without a record revision and candidate hash (before evidence was bound)'));
    } else if (item.revision !== state.revision) {
      verdicts.push(verdict(false, `attached to revision ${item.revision}; the record is at revision ${state.revision}, so an edit voided it`));
    } else if (item.candidateHash !== candidateHash) {
      verdicts.push(verdict(false, `attached for candidate ${item.candidateHash.slice(0, 12)}; the candidate is now ${candidateHash.slice(0, 12)}`));
    } else if (item.type === EvidenceType.GuardrailMetrics && (item.attachedByKind !== 'service' || item.attachedBy !== GUARDRAILS_IDENTITY)) {
      verdicts.push(verdict(false, `guardrail metrics come from featgate's own comparison of candidate and baseline telemetry (${GUARDRAILS_IDENTITY}), not from a claim by ${item.attachedBy ?? 'an unknown attacher'}`));
    } else if (
      item.attachedByKind !== 'service' &&
      authors.has(identities.personOfPrincipal({ id: item.attachedBy ?? '', ...(item.attachedByAliases ? { aliases: item.attachedByAliases } : {}) }))
    ) {
      verdicts.push(verdict(false, `attached by ${item.attachedBy ?? 'an unknown person'}, an author of the change: nobody vouches for their own change`));
    } else if (item.type === EvidenceType.OfflineEval && evalBars.length > 0) {
      const check = checkEval(item.eval, evalBars, candidateHash);
      const judged = { ...item, result: check.passed ? EvidenceResult.Passed : EvidenceResult.Failed };
      verdicts.push({ item: judged, source: 'attached', counts: check.passed, eligible: true, reason: check.reason });
    } else if (item.result !== 'passed') {
      verdicts.push(verdict(false, `its result is ${item.result}; only passed evidence satisfies a requirement`, true));
    } else {
      verdicts.push(verdict(true, item.attachedByKind === 'service' ? `attached by the service identity ${item.attachedBy ?? ''}` : `attached by ${item.attachedBy ?? ''}, not an author`));
    }
  }
  return verdicts;
}

/**
 * The evidence items whose result decides (see `evidenceVerdicts`): bound, and attached by someone allowed to. With
 * eval bars, an offline eval passes only when every bar's metric has a passing eval, so one good metric does not
 * stand in for another.
 */
export function countedEvidence(state: ChangeRecordState, identities: IdentityMapping, evalBars: readonly EvalBar[] = []): EvidenceItem[] {
  const eligible = evidenceVerdicts(state, identities, evalBars).filter((verdict) => verdict.eligible);
  const covered = new Set(eligible.filter((verdict) => verdict.counts && verdict.item.type === EvidenceType.OfflineEval).map((verdict) => verdict.item.eval?.metric));
  const allBars = evalBars.every((bar) => covered.has(bar.metric));
  return eligible.map((verdict) =>
    verdict.item.type === EvidenceType.OfflineEval && evalBars.length > 0 && !allBars ? { ...verdict.item, result: EvidenceResult.Inconclusive } : verdict.item,
  );
}

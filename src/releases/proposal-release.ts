import { canonicalJson } from '../canonical/index.js';
import { segmentSchema, type FeatBitSegment } from '../featbit/model/index.js';
import type { FeatBitRestClient } from '../featbit/rest-client/index.js';
import { writeFlagConfiguration } from './configuration-writes.js';
import type { ProposalState } from '../proposals/model/index.js';

/**
 * Applies an approved proposal from an intercepted FeatBit edit: the segments the edit used get the edited
 * membership back, then the flag gets exactly the edited configuration (variations, targeting, off variation,
 * on/off), all as featgate's service identity with revision-guarded writes. Answers the segments to record in
 * the approved state.
 */
export async function writeProposalConfiguration(
  featbit: FeatBitRestClient,
  proposal: ProposalState,
  comment: string,
): Promise<FeatBitSegment[]> {
  const segments: FeatBitSegment[] = [];
  for (const wanted of proposal.editedSegments) {
    const live = segmentSchema.parse(await featbit.getSegment(proposal.envId, wanted.id));
    if (membershipOf(live) !== membershipOf(wanted)) {
      await featbit.updateSegmentTargeting(proposal.envId, wanted.id, {
        included: wanted.included,
        excluded: wanted.excluded,
        rules: wanted.rules,
        comment,
      });
    }
    segments.push(wanted);
  }
  await writeFlagConfiguration(featbit, proposal.envId, proposal.flagKey, proposal.edited, comment);
  return segments;
}

function membershipOf(segment: FeatBitSegment): string {
  return canonicalJson({
    included: [...segment.included],
    excluded: [...segment.excluded],
    rules: segment.rules.map((rule) => ({
      id: rule.id,
      name: rule.name,
      conditions: rule.conditions.map(({ property, op, value }) => ({ property, op: op ?? null, value })),
    })),
  });
}

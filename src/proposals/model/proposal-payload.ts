import { z } from 'zod';
import { flagSchema, segmentSchema } from '../../featbit/model/index.js';

/**
 * `proposal.opened`: a change record opened from an unauthorized FeatBit edit, carrying the full edited FeatBit
 * configuration (and the segments it uses). Applying the approved proposal writes exactly this configuration back.
 */
export const proposalOpenedPayloadSchema = z.strictObject({
  changeKey: z.string().min(1),
  envId: z.string().min(1),
  flagKey: z.string().min(1),
  /** FeatBit operator who made the edit: the proposal's requester. */
  operator: z.string().min(1),
  /** Identifies the edit: the same configuration over the same approved version has the same fingerprint. */
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  /** Ledger seq of the approved state the edit departed from. */
  approvedVersion: z.number().int().min(0),
  edited: flagSchema,
  editedSegments: z.array(segmentSchema).default([]),
  /** Readable change kinds of the edit. */
  changes: z.array(z.string()).default([]),
});
export type ProposalOpenedPayload = z.infer<typeof proposalOpenedPayloadSchema>;
export type ProposalOpenedPayloadInput = z.input<typeof proposalOpenedPayloadSchema>;

/** A proposal as the projections keep it. */
export interface ProposalState extends ProposalOpenedPayload {
  /** Seq of the `proposal.opened` entry. */
  readonly seq: number;
}

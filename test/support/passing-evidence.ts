/** What a change view offers evidence binding: its candidate and what a rollback of it restores. */
export interface EvidenceTarget {
  readonly candidateHash: string;
  readonly rollbackHash?: string;
}

/**
 * A request body of evidence of `type` that the default policy counts when CI attaches it: an offline eval of the
 * view's candidate clearing every default eval bar (groundedness), typed; other kinds as claims, which count where
 * the policy checks nothing else. Tests that need a change approved use it rather than a bare `passed` claim.
 */
export function passingEvidence(
  type: string,
  view: EvidenceTarget,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  if (type === 'offlineEval') {
    return {
      type,
      summary: 'groundedness eval passed in CI',
      eval: {
        candidateHash: view.candidateHash,
        dataset: 'support-golden',
        datasetVersion: '7',
        evaluator: 'ragas',
        evaluatorVersion: '0.2.1',
        sampleSize: 400,
        metrics: [{ metric: 'groundedness', baselineScore: 0.9, candidateScore: 0.92 }],
      },
      ...extra,
    };
  }
  return { type, summary: `${type} passed in CI`, result: 'passed', ...extra };
}

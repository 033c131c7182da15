/** Which of the two flag states being compared a piece of configuration belongs to. */
export enum FlagSide {
  Before = 'before',
  After = 'after',
}

/** Answers "is every member of this segment on side `from` also a member on side `to`?" with a proof or false. */
export interface SegmentContainment {
  isContained(segmentId: string, from: FlagSide, to: FlagSide): boolean;
}

/** Property names FeatBit uses for segment conditions (`SegmentConsts.cs`). */
export enum SegmentConditionProperty {
  IsIn = 'User is in segment',
  IsNotIn = 'User is not in segment',
}

/** FeatBit's condition operators (`OperatorTypes.cs`); any other op never matches. `NotContain` is FeatBit's spelling. */
export enum OperatorType {
  LessThan = 'LessThan',
  BiggerThan = 'BiggerThan',
  LessEqualThan = 'LessEqualThan',
  BiggerEqualThan = 'BiggerEqualThan',
  Equal = 'Equal',
  NotEqual = 'NotEqual',
  Contains = 'Contains',
  NotContain = 'NotContain',
  StartsWith = 'StartsWith',
  EndsWith = 'EndsWith',
  MatchRegex = 'MatchRegex',
  NotMatchRegex = 'NotMatchRegex',
  IsOneOf = 'IsOneOf',
  NotOneOf = 'NotOneOf',
  IsTrue = 'IsTrue',
  IsFalse = 'IsFalse',
}

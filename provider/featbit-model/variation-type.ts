/** FeatBit's variation types (`VariationTypes.cs`). */
export enum VariationType {
  Boolean = 'boolean',
  String = 'string',
  Number = 'number',
  Json = 'json',
}

/** Risk tiers, lowest first; a change's tier decides approvals, evidence and exposure limits. */
export enum RiskTier {
  Low = 'low',
  Medium = 'medium',
  High = 'high',
  Restricted = 'restricted',
}

/** Every tier in rising order of risk. */
export const RISK_TIERS: readonly RiskTier[] = [RiskTier.Low, RiskTier.Medium, RiskTier.High, RiskTier.Restricted];

/** Position of a tier in RISK_TIERS: higher is riskier. */
export function tierRank(tier: RiskTier): number {
  return RISK_TIERS.indexOf(tier);
}

/** The riskier of two tiers. */
export function maxTier(a: RiskTier, b: RiskTier): RiskTier {
  return tierRank(a) >= tierRank(b) ? a : b;
}

/** The kinds of AI configuration a governed flag can hold; each has its own default reviewer and risk rules. */
export enum ConfigSurface {
  Prompt = 'prompt',
  ModelRoute = 'modelRoute',
  RetrievalProfile = 'retrievalProfile',
  ToolPolicy = 'toolPolicy',
  GuardrailThreshold = 'guardrailThreshold',
  Fallback = 'fallback',
  RolloutRule = 'rolloutRule',
}

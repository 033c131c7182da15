/** One environment variable users and scripts can rely on, and the config-file field it overrides. */
export interface EnvVariable {
  readonly name: string;
  /** Path of the field in the config file. */
  readonly path: readonly string[];
  /** Turns the variable's text into the field's value (validated afterwards like the file). */
  readonly parse: (text: string) => unknown;
}

const asNumber = (text: string): unknown => (/^\s*\d+\s*$/.test(text) ? Number(text) : text);
const asText = (text: string): unknown => text;
const asJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

/** Every environment variable the service reads; each also settable in the config file at `path`. */
export const ENV_VARIABLES: readonly EnvVariable[] = [
  { name: 'PORT', path: ['port'], parse: asNumber },
  { name: 'REDIS_URL', path: ['redisUrl'], parse: asText },
  { name: 'FEATGATE_REDIS_PREFIX', path: ['redisPrefix'], parse: asText },
  { name: 'FEATGATE_DATA_DIR', path: ['dataDir'], parse: asText },
  { name: 'FEATGATE_POLICY', path: ['policy'], parse: asText },
  { name: 'FEATGATE_SIGNING_KEY', path: ['signingKey'], parse: asText },
  { name: 'FEATGATE_REDACTION_KEY', path: ['redactionKey'], parse: asText },
  { name: 'FEATBIT_API_URL', path: ['featbit', 'apiUrl'], parse: asText },
  { name: 'FEATBIT_ACCESS_TOKEN', path: ['featbit', 'accessToken'], parse: asText },
  { name: 'FEATBIT_WEBHOOK_SECRET', path: ['featbit', 'webhookSecret'], parse: asText },
  { name: 'FEATBIT_EVALUATION_URL', path: ['featbit', 'evaluationUrl'], parse: asText },
  { name: 'FEATBIT_SERVER_SECRETS', path: ['featbit', 'serverSecrets'], parse: asJson },
  { name: 'FEATBIT_WEBHOOK_SECRET_PREVIOUS', path: ['featbit', 'webhookSecretPrevious'], parse: asText },
  { name: 'FEATGATE_RECONCILE_INTERVAL_SECONDS', path: ['webhooks', 'reconcileIntervalSeconds'], parse: asNumber },
  { name: 'FEATGATE_NOTIFY_URL', path: ['webhooks', 'notifyUrl'], parse: asText },
  { name: 'FEATGATE_SMTP_PASSWORD', path: ['notifications', 'smtp', 'password'], parse: asText },
  { name: 'FEATGATE_PROMETHEUS_URL', path: ['exposure', 'prometheus', 'url'], parse: asText },
  { name: 'FEATGATE_PROMETHEUS_TOKEN', path: ['exposure', 'prometheus', 'bearerToken'], parse: asText },
];

/** Variable naming the config file itself. */
export const CONFIG_FILE_VARIABLE = 'FEATGATE_CONFIG';

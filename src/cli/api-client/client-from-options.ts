import { Option, type Command } from 'commander';
import { ApiClient } from './api-client.js';

/** Options every API verb accepts. */
export interface ApiCommandOptions {
  readonly url?: string;
  readonly token?: string;
  readonly json?: boolean;
}

/** Default service URL when neither `--url` nor `FEATGATE_URL` is given. */
export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

/** Adds `--url`, `--token` and `--json` to a command (from FEATGATE_URL / FEATGATE_TOKEN when omitted). */
export function withApiOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', 'featgate service URL').env('FEATGATE_URL'))
    .addOption(new Option('--token <token>', 'API token or OIDC access token').env('FEATGATE_TOKEN'))
    .option('--json', 'print the API answer as JSON');
}

/** Builds the API client from a command's options. */
export function clientFrom(options: ApiCommandOptions): ApiClient {
  return new ApiClient({ url: options.url ?? DEFAULT_API_URL, ...(options.token ? { token: options.token } : {}) });
}

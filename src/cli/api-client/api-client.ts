import { ApiProblemError, ApiUnavailableError } from './api-problem-error.js';

/** Where the CLI finds the service and how it authenticates. */
export interface ApiClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** API token or OIDC access token sent as `Authorization: Bearer …`. */
  readonly token?: string;
  readonly timeoutMs?: number;
}

/** A request body and the media type it is sent as. */
export interface ApiBody {
  readonly text: string;
  readonly contentType: string;
}

/** Thin JSON client of the featgate API used by the CLI verbs; problems become ApiProblemError. */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  /** GET a path (with optional query) and return the parsed JSON. */
  async get<T = unknown>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, value);
    const suffix = search.size > 0 ? `?${search.toString()}` : '';
    return this.send<T>('GET', `${path}${suffix}`);
  }

  /** POST a JSON value or a prepared body (e.g. YAML text) and return the parsed JSON. */
  async post<T = unknown>(path: string, body: unknown): Promise<T> {
    const prepared = isApiBody(body) ? body : { text: JSON.stringify(body ?? {}), contentType: 'application/json' };
    return this.send<T>('POST', path, prepared);
  }

  /** PUT a JSON value or a prepared body and return the parsed JSON. */
  async put<T = unknown>(path: string, body: unknown): Promise<T> {
    const prepared = isApiBody(body) ? body : { text: JSON.stringify(body ?? {}), contentType: 'application/json' };
    return this.send<T>('PUT', path, prepared);
  }

  private async send<T>(method: string, path: string, body?: ApiBody): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (body) headers['content-type'] = body.contentType;
    const url = `${this.options.url.replace(/\/$/, '')}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(body ? { body: body.text } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      const reason =
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new ApiUnavailableError(`cannot reach featgate at ${this.options.url}: ${reason}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new ApiUnavailableError(
        `featgate at ${this.options.url} answered ${response.status} with a body that is not JSON`,
      );
    }
    if (!response.ok) {
      const problem = typeof parsed === 'object' && parsed !== null ? (parsed as ApiProblemError['problem']) : {};
      throw new ApiProblemError(response.status, problem);
    }
    return parsed as T;
  }
}

function isApiBody(value: unknown): value is ApiBody {
  return typeof value === 'object' && value !== null && 'text' in value && 'contentType' in value;
}

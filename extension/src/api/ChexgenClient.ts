import type {
  ErrorBody,
  CohortJob,
  CohortRequestBody,
  ModelsResponse,
  SynthesisJob,
  SynthesisRequestBody,
} from '../contract';

/** An error answer of the server (`{ error: { code, message, field } }`) or a network failure (`NETWORK`). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field: string | null = null,
    readonly status = 0,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The subset of `fetch` the client needs (injected so tests need no network). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * A typed client of the chexgen API on the viewer's own origin (`baseUrl` '' = same origin). Every method resolves
 * with the parsed JSON or rejects with an {@link ApiError} carrying the server's code and field.
 */
export class ChexgenClient {
  constructor(
    private readonly fetchImpl: FetchLike,
    readonly baseUrl = '',
  ) {}

  models(): Promise<ModelsResponse> {
    return this.request<ModelsResponse>('GET', '/api/v1/models');
  }

  submitSynthesis(body: SynthesisRequestBody): Promise<{ id: string; status: string }> {
    return this.request('POST', '/api/v1/syntheses', body);
  }

  synthesis(id: string): Promise<SynthesisJob> {
    return this.request('GET', `/api/v1/syntheses/${encodeURIComponent(id)}`);
  }

  cancelSynthesis(id: string): Promise<{ id: string; status: string }> {
    return this.request('DELETE', `/api/v1/syntheses/${encodeURIComponent(id)}`);
  }

  submitCohort(body: CohortRequestBody): Promise<{ id: string; status: string }> {
    return this.request('POST', '/api/v1/cohorts', body);
  }

  cohort(id: string): Promise<CohortJob> {
    return this.request('GET', `/api/v1/cohorts/${encodeURIComponent(id)}`);
  }

  cancelCohort(id: string): Promise<{ id: string; status: string }> {
    return this.request('DELETE', `/api/v1/cohorts/${encodeURIComponent(id)}`);
  }

  /** URL of the server-sent event stream of a synthesis or cohort job. */
  eventsUrl(kind: 'syntheses' | 'cohorts', id: string): string {
    return `${this.baseUrl}/api/v1/${kind}/${encodeURIComponent(id)}/events`;
  }

  /** Absolute-path URL of a server path such as a preview (`/api/v1/...`). */
  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        credentials: 'same-origin', // the viewer's session cookie (POST /login) when the API needs a token
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError('NETWORK', `cannot reach the chexgen server: ${error instanceof Error ? error.message : String(error)}`);
    }
    const parsed: unknown = await response.json().catch(() => undefined);
    if (!response.ok) throw toApiError(parsed, response.status);
    return parsed as T;
  }
}

function toApiError(body: unknown, status: number): ApiError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: Partial<ErrorBody> }).error : undefined;
  if (error && typeof error.code === 'string') {
    return new ApiError(error.code, error.message ?? error.code, error.field ?? null, status);
  }
  return new ApiError('HTTP_' + status, `the server answered ${status}`, null, status);
}

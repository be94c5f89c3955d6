import { stack } from './stack';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  key?: string;
  body?: unknown;
  /** Sent as is, for malformed-input tests. */
  rawBody?: string | Buffer;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
}

/** One HTTP call to the local stack's API; JSON bodies parsed, anything else returned as text. */
export const api = async <T = any>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> => {
  const url = new URL(path, stack().apiUrl);
  for (const [name, value] of Object.entries(options.query ?? {}))
    if (value !== undefined) url.searchParams.set(name, String(value));
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | Buffer | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const requestBody = typeof body === 'string' || body === undefined ? body : new Uint8Array(body);
  const response = await fetch(url, { method, headers, body: requestBody, redirect: 'manual' });
  const text = await response.text();
  let parsed: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed as T };
};

// The typed API client: generated types (schema.d.ts, `make api-client`) + openapi-fetch, with the
// session's CSRF header, the UI language, a timeout, and every failure mapped to an ApiError.
import createClient from 'openapi-fetch'
import { ApiError, errorOfResponse, errorOfThrown } from './errors'
import type { paths } from './schema'

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
export const DEFAULT_TIMEOUT_MS = 60_000

interface ClientState {
  csrfToken: string | null
  language: string
  timeoutMs: number
}

export const clientState: ClientState = { csrfToken: null, language: 'zh-CN', timeoutMs: DEFAULT_TIMEOUT_MS }

type ErrorListener = (error: ApiError) => void
const listeners = new Set<ErrorListener>()

/** Be told of every failed call (the backend banner and the sign-in redirect listen). */
export function onApiError(listener: ErrorListener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

function headersFor(method: string, headers: Headers): Headers {
  const out = new Headers(headers)
  out.set('Accept-Language', clientState.language === 'en' ? 'en' : 'zh-CN')
  if (UNSAFE.has(method.toUpperCase()) && clientState.csrfToken) out.set('X-CSRF-Token', clientState.csrfToken)
  return out
}

/** fetch with the platform's headers and a timeout; failures are thrown as ApiError. */
export async function platformFetch(input: Request): Promise<Response> {
  const request = new Request(input, {
    headers: headersFor(input.method, input.headers),
    credentials: 'same-origin',
    signal: AbortSignal.timeout(clientState.timeoutMs),
  })
  try {
    return await globalThis.fetch(request)
  } catch (thrown) {
    throw errorOfThrown(thrown, globalThis.navigator?.onLine ?? true)
  }
}

export const api = createClient<paths>({ baseUrl: '', fetch: platformFetch })

/** The seed's success envelope; `T` is the type of its `data` (named in types.ts). */
export interface Envelope<T = unknown> {
  success: boolean
  message?: string
  data?: T
  [extra: string]: unknown
}

interface FetchAnswer {
  data?: unknown
  error?: unknown
  response: Response
}

function report(error: ApiError): ApiError {
  for (const listener of listeners) listener(error)
  return error
}

/** The success envelope of a call, or an ApiError (also reported to the listeners). */
export async function envelope<T = unknown>(call: Promise<FetchAnswer>): Promise<Envelope<T>> {
  let answer: FetchAnswer
  try {
    answer = await call
  } catch (thrown) {
    throw report(errorOfThrown(thrown, globalThis.navigator?.onLine ?? true))
  }
  if (!answer.response.ok) throw report(errorOfResponse(answer.response.status, answer.error))
  return (answer.data ?? { success: true }) as Envelope<T>
}

/** The `data` of a call's success envelope, typed by the caller (see types.ts). */
export async function data<T>(call: Promise<FetchAnswer>): Promise<T> {
  return (await envelope<T>(call)).data as T
}

/** A call outside the typed paths (uploads, routes that scripts register): same headers and errors. */
export async function rawCall(request: Request): Promise<FetchAnswer> {
  const response = await platformFetch(request)
  const text = await response.text()
  let body: unknown = text
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    // not JSON: the text itself is the answer
  }
  return response.ok ? { data: body, response } : { error: body, response }
}

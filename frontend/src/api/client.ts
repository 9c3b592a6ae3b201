// The typed API client: generated types (schema.d.ts, `make api-client`) + openapi-fetch, with the
// session's CSRF header, the UI language, a timeout, and every failure mapped to an ApiError.
import createClient from 'openapi-fetch'
import { ApiError, emptyAnswer, errorOfResponse, errorOfThrown } from './errors'
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

/** What an openapi-fetch call resolves to: the success body `D` (typed by the schema), or an error. */
export interface FetchAnswer<D> {
  data?: D
  error?: unknown
  response: Response
}

/** The `data` an operation's success envelope carries, as the schema declares it. */
export type DataOf<D> = D extends { data?: infer T } ? NonNullable<T> : never

function report(error: ApiError): ApiError {
  for (const listener of listeners) listener(error)
  return error
}

/** The success body of a call, typed by the operation's response model, or an ApiError (also reported). */
export async function envelope<D>(call: Promise<FetchAnswer<D>>): Promise<D> {
  let answer: FetchAnswer<D>
  try {
    answer = await call
  } catch (thrown) {
    throw report(errorOfThrown(thrown, globalThis.navigator?.onLine ?? true))
  }
  if (!answer.response.ok) throw report(errorOfResponse(answer.response.status, answer.error))
  if (answer.data === undefined) throw report(emptyAnswer(answer.response.status))
  return answer.data
}

/** The `data` of a call's success envelope, typed by the operation's response model. */
export async function data<D extends { data?: unknown }>(call: Promise<FetchAnswer<D>>): Promise<DataOf<D>> {
  const body = await envelope(call)
  if (body.data === undefined || body.data === null) throw report(emptyAnswer(200))
  return body.data as DataOf<D>
}

/**
 * The `data` of an operation whose schema declares no response model yet (see types.ts: the session,
 * the editor references, task variables): the one place the UI takes a shape on trust.
 */
export async function undeclaredData<T>(call: Promise<FetchAnswer<unknown>>): Promise<T> {
  const body: unknown = await envelope(call)
  const value = typeof body === 'object' && body !== null && 'data' in body ? body.data : undefined
  if (value === undefined || value === null) throw report(emptyAnswer(200))
  return value as T
}

/** A call to a route a script registered (outside the schema): same headers and errors, any status. */
export async function rawCall(request: Request): Promise<FetchAnswer<unknown>> {
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

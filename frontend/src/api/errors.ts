// One place that turns every way a call can fail into an ApiError of a known kind, for the UI's messages.

export type ApiErrorKind =
  | 'timeout'
  | 'network'
  | 'unavailable'
  | 'busy'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'bad_request'
  | 'conflict'
  | 'server'

export interface FieldError {
  field: string
  message: string
}

export class ApiError extends Error {
  readonly kind: ApiErrorKind
  readonly status: number | null
  readonly detail: FieldError[]

  constructor(kind: ApiErrorKind, message: string, status: number | null = null, detail: FieldError[] = []) {
    super(message)
    this.name = 'ApiError'
    this.kind = kind
    this.status = status
    this.detail = detail
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function fieldErrors(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return []
  return value.filter(isRecord).map((e) => ({ field: String(e.field ?? ''), message: String(e.message ?? '') }))
}

/** The platform's failure envelope `{"success": false, "error": ...}`, if `body` is one. */
export function envelopeError(body: unknown): { error: string; detail: FieldError[] } | null {
  if (isRecord(body) && body.success === false && typeof body.error === 'string') {
    return { error: body.error, detail: fieldErrors(body.detail) }
  }
  return null
}

const KINDS: Record<number, ApiErrorKind> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
}

/**
 * An answer with a failure status. A 502/503/504 without our envelope came from something in front of
 * the platform (a proxy) while the platform is down: that is "unavailable", not an API error. A 503
 * with our envelope is the platform itself saying it cannot take this now (every run slot is busy,
 * the runtime is not ready): "busy", worth trying again shortly.
 */
export function errorOfResponse(status: number, body: unknown): ApiError {
  const envelope = envelopeError(body)
  if (envelope === null && (status === 502 || status === 503 || status === 504)) {
    return new ApiError('unavailable', '', status)
  }
  const kind = status === 503 ? 'busy' : (KINDS[status] ?? 'server')
  return new ApiError(kind, envelope?.error ?? `HTTP ${status}`, status, envelope?.detail ?? [])
}

/** A success status without the body the operation declares: a server bug, reported as one. */
export function emptyAnswer(status: number): ApiError {
  return new ApiError('server', `HTTP ${status}`, status)
}

/**
 * A fetch that threw. A timeout is ours (AbortSignal.timeout); with the browser offline it is the
 * network; otherwise the server that served this page refused the connection: it is down.
 */
export function errorOfThrown(thrown: unknown, online: boolean): ApiError {
  if (thrown instanceof ApiError) return thrown
  const name = isRecord(thrown) || thrown instanceof Error ? String((thrown as { name?: unknown }).name) : ''
  if (name === 'TimeoutError') return new ApiError('timeout', '')
  if (!online) return new ApiError('network', '')
  return new ApiError('unavailable', '')
}

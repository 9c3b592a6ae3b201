// Script services (seed 000 section 3): start, stop, the running list, the registry, calls.
import { api, data, envelope, rawCall } from '@/api/client'
import type { RestartPolicy } from '@/api/types'

export const running = () => data(api.GET('/api/script/scripts/running'))
export const registry = () => data(api.GET('/api/script/registry/status'))

export const start = (script_path: string, start_params: Record<string, unknown> | null, restart_policy: RestartPolicy = 'never') =>
  envelope(api.POST('/api/script/scripts/start', { body: { script_path, start_params, restart_policy } }))

export const stop = (scriptId: string) =>
  envelope(api.POST('/api/script/scripts/{script_id}/stop', { params: { path: { script_id: scriptId } } }))

export interface CallAnswer {
  status: number
  body: unknown
  ms: number
}

/** Call a route a script registered, as an outside client would; any status is an answer here. */
export async function callRoute(method: string, path: string, query: string, body: string): Promise<CallAnswer> {
  const url = `/api/custom/${path.replace(/^\/+/, '')}${query ? `?${query.replace(/^\?/, '')}` : ''}`
  const init: RequestInit = { method }
  if (method !== 'GET' && method !== 'DELETE' && body.trim()) {
    init.body = body
    init.headers = { 'Content-Type': 'application/json' }
  }
  const started = performance.now()
  const answer = await rawCall(new Request(url, init))
  return { status: answer.response.status, body: answer.data ?? answer.error, ms: performance.now() - started }
}

/** Call a registered function through execute-function. */
export async function callFunction(script_id: string, function_name: string, function_args: unknown): Promise<CallAnswer> {
  const started = performance.now()
  const answer = await api.POST('/api/script/scripts/execute-function', {
    body: { script_id, function_name, function_args },
  })
  return { status: answer.response.status, body: answer.data ?? answer.error, ms: performance.now() - started }
}

/** The name to call a registry function by: its key without the `tenant:` prefix an admin sees. */
export function functionName(key: string, tenantId: string | null): string {
  const prefix = tenantId === null ? '' : `${tenantId}:`
  return prefix && key.startsWith(prefix) ? key.slice(prefix.length) : key
}

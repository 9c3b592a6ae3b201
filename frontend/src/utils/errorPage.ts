// Seed 004's error page: details travel in sessionStorage (the URL stays /error), the page is entered
// with router.replace (Back never lands on it), and it offers the way back to the page it came from.
import type { Router } from 'vue-router'

export const ERROR_KEY = 'vwed.error'

export interface ErrorDetails {
  kind: string
  message: string
  status: number | null
  /** the full path of the page that failed */
  from: string
}

export async function showErrorPage(router: Router, details: Omit<ErrorDetails, 'from'>): Promise<void> {
  const from = router.currentRoute.value.fullPath
  const stored: ErrorDetails = { ...details, from: from.startsWith('/error') ? '/' : from }
  sessionStorage.setItem(ERROR_KEY, JSON.stringify(stored))
  await router.replace({ name: 'error' })
}

export function readErrorDetails(): ErrorDetails | null {
  const raw = sessionStorage.getItem(ERROR_KEY)
  if (raw === null) return null
  try {
    const value: unknown = JSON.parse(raw)
    if (typeof value !== 'object' || value === null) return null
    const record = value as Record<string, unknown>
    return {
      kind: String(record.kind ?? 'server'),
      message: String(record.message ?? ''),
      status: typeof record.status === 'number' ? record.status : null,
      from: typeof record.from === 'string' && /^\/(?!\/)/.test(record.from) ? record.from : '/',
    }
  } catch {
    return null
  }
}

/** Leave the error page for the page it came from (or home), forgetting the details. */
export async function leaveErrorPage(router: Router, details: ErrorDetails | null): Promise<void> {
  sessionStorage.removeItem(ERROR_KEY)
  await router.replace(details?.from ?? '/')
}

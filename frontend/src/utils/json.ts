// JSON typed in forms (start params, a task's input, a result to preview): parsed once, in one place.

export type Parsed<T> = { ok: true; value: T } | { ok: false }

/** `text` as JSON; blank text is null. */
export function parseJson(text: string): Parsed<unknown> {
  if (!text.trim()) return { ok: true, value: null }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return { ok: false }
  }
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `text` as a JSON object; blank text is null, anything but an object is not ok. */
export function parseJsonObject(text: string): Parsed<Record<string, unknown> | null> {
  const parsed = parseJson(text)
  if (!parsed.ok) return parsed
  if (parsed.value === null) return { ok: true, value: null }
  return isJsonObject(parsed.value) ? { ok: true, value: parsed.value } : { ok: false }
}

// Field errors shown next to the fields of a form (el-form-item's `error`), from a failed call's
// `detail`. An error stays while its field holds the value that was refused, and goes when it changes.
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { ApiError, type FieldError } from '@/api/errors'
import { fieldProblems, splitPath } from '@/api/fieldErrors'

interface Placed {
  message: string
  /** the field's value when it was refused */
  value: string
}

export interface FieldErrors<F extends string> {
  /** The error to show at `field`, or '' when there is none (or its value changed since). */
  of(field: F): string
  /** Place the problems of `error` at their fields; the error with the problems no field shows. */
  take(error: ApiError): ApiError
  clear(): void
}

/** Errors for the fields `values()` names (its keys), compared with its values to expire them. */
export function useFieldErrors<F extends string>(values: () => Record<F, unknown>): FieldErrors<F> {
  const { t } = useI18n()
  const placed = ref<Partial<Record<string, Placed>>>({})

  function known(root: string): root is F {
    return Object.prototype.hasOwnProperty.call(values(), root)
  }

  function label(rest: string, message: string): string {
    const item = /^\[(\d+)\]$/.exec(rest)
    if (item) return t('fields.item', { n: Number(item[1]) + 1, message })
    return rest ? `${rest.replace(/^\./, '')}: ${message}` : message
  }

  function take(error: ApiError): ApiError {
    const next: Partial<Record<string, Placed>> = {}
    const left: FieldError[] = []
    const current = values()
    for (const problem of fieldProblems(error)) {
      const { root, rest } = splitPath(problem.field)
      if (!known(root)) {
        left.push(problem)
        continue
      }
      const text = label(rest, problem.message)
      const before = next[root]
      next[root] = { message: before ? `${before.message}; ${text}` : text, value: JSON.stringify(current[root]) }
    }
    placed.value = next
    const detail = error.detail.filter((d) => left.includes(d))
    return new ApiError(error.kind, error.message, error.status, detail)
  }

  function of(field: F): string {
    const entry = placed.value[field]
    if (!entry) return ''
    return JSON.stringify(values()[field]) === entry.value ? entry.message : ''
  }

  return { of, take, clear: () => (placed.value = {}) }
}

// Every button that calls the server: a loading flag while it runs (one per button, or per row with a
// key), then a success message or the server's error message.
import { ElMessage } from 'element-plus'
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { ApiError } from '@/api/errors'

/** What describeError needs of vue-i18n: the messages of the three failures that are not the API's. */
type Translate = (key: 'errors.timeout' | 'errors.network' | 'errors.unavailable') => string
export type ActionKey = string | number

/** The message a person reads for a failure: distinct for timeout, network and server unavailable. */
export function describeError(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    if (error.kind === 'timeout') return t('errors.timeout')
    if (error.kind === 'network') return t('errors.network')
    if (error.kind === 'unavailable') return t('errors.unavailable')
    const fields = error.detail.map((d) => `${d.field}: ${d.message}`).join('; ')
    return fields ? `${error.message} (${fields})` : error.message
  }
  return error instanceof Error ? error.message : String(error)
}

const WHOLE = Symbol('whole action')

/**
 * What a page does with a failure before the toast: places what it can (field errors next to their
 * fields, a panel of its own) and returns what is left to say in the toast, or null for nothing.
 */
export type FailureHandler = (error: ApiError) => ApiError | null

export function useAction() {
  const { t } = useI18n()
  const running = ref(new Set<ActionKey | typeof WHOLE>())

  /** Whether the action (or its run for `key`) is under way. */
  function busy(key?: ActionKey): boolean {
    return running.value.has(key ?? WHOLE)
  }

  function say(error: unknown): void {
    // "unavailable" has its own banner; repeating it in a toast would only add noise
    if (error instanceof ApiError && error.kind === 'unavailable') return
    // a busy server is not a mistake of the person: a warning that says to try again
    const type = error instanceof ApiError && error.kind === 'busy' ? 'warning' : 'error'
    ElMessage({ type, message: describeError(error, t), grouping: true, duration: 5000, showClose: true })
  }

  /**
   * Run `work`; show its message (or `success`) when it succeeds and the error when it fails. With a
   * `key` (a row's id) only that row's button shows loading; `handle` places a failure first.
   */
  async function run<T>(
    work: () => Promise<T>,
    success?: string | ((value: T) => string | null | undefined),
    key?: ActionKey,
    handle?: FailureHandler,
  ): Promise<T | undefined> {
    const mark = key ?? WHOLE
    running.value.add(mark)
    try {
      const value = await work()
      const text = typeof success === 'function' ? success(value) : success
      if (text) ElMessage.success({ message: text, grouping: true })
      return value
    } catch (error) {
      const left = error instanceof ApiError && handle ? handle(error) : error
      if (left !== null) say(left)
      return undefined
    } finally {
      running.value.delete(mark)
    }
  }

  return { busy, run }
}

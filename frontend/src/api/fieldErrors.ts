// Which field of a form a failure is about: the envelope's `detail` paths (`notify_channels[1]`,
// `result.jump_list[0].type`), and the script_deps refusals, which name their field and line only in
// the message (400 "script_deps 第 2 行 ..." / "script_deps line 2 ...", 403 "... script_deps ...").
import { ApiError, type FieldError } from './errors'

/** The form field a detail path belongs to (`notify_channels[1]` -> `notify_channels`) and the rest. */
export function splitPath(path: string): { root: string; rest: string } {
  const match = /^[^.[]+/.exec(path)
  const root = match ? match[0] : path
  return { root, rest: path.slice(root.length) }
}

const DEPS = /\bscript_deps\b/
const DEPS_LINE = /\bscript_deps\s*(?:第\s*(\d+)\s*行|line\s+(\d+))/

/** The problems of a failure, each naming its field: the detail list, or a script_deps refusal. */
export function fieldProblems(error: ApiError): FieldError[] {
  if (error.detail.length) return error.detail
  if ((error.kind === 'bad_request' || error.kind === 'forbidden') && DEPS.test(error.message)) {
    return [{ field: 'script_deps', message: error.message }]
  }
  return []
}

/** The line of script_deps a refusal names (1-based), or null when it names none. */
export function depsLineOf(message: string): number | null {
  const match = DEPS_LINE.exec(message)
  const line = match ? Number(match[1] ?? match[2]) : NaN
  return Number.isInteger(line) && line > 0 ? line : null
}

// The live log panel's lines and its filtered view, kept cheap at 100,000 lines: arriving lines are
// filtered once and appended; a search that only narrows (typing on) filters the current view instead
// of every line; resuming after a pause appends only the lines that came meanwhile. The buffer keeps
// the newest `cap` lines (a paused view at most `cap` more), so memory stays bounded however long the
// panel is open.

export const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR'] as const
export type Level = (typeof LEVELS)[number]

export interface LogLine {
  /** increasing for every line the panel receives: the order, and how the view finds its place */
  seq: number
  scriptId: string
  timestamp: string
  level: Level
  message: string
  replay: boolean
  /** message and script id in lower case, made once so that a search does not lower-case 100,000 lines */
  haystack: string
}

export interface LogFilter {
  levels: ReadonlySet<Level>
  /** lower-case text the message or the script id must contain; empty matches every line */
  needle: string
}

/** The level a server's level name stands for (WARN is WARNING; anything unknown is INFO). */
export function levelOf(name: string): Level {
  const upper = name.toUpperCase()
  if (upper === 'WARN') return 'WARNING'
  return (LEVELS as readonly string[]).includes(upper) ? (upper as Level) : 'INFO'
}

export function makeFilter(levels: Iterable<Level>, search: string): LogFilter {
  return { levels: new Set(levels), needle: search.trim().toLowerCase() }
}

function passes(line: LogLine, filter: LogFilter): boolean {
  return filter.levels.has(line.level) && (!filter.needle || line.haystack.includes(filter.needle))
}

/** Whether every line `after` lets through is also let through by `before` (so `after` only narrows). */
function narrows(before: LogFilter, after: LogFilter): boolean {
  for (const level of after.levels) if (!before.levels.has(level)) return false
  return after.needle.includes(before.needle)
}

/** The index of the first line whose seq is greater than `seq` (lines are in seq order). */
function firstAfter(lines: readonly LogLine[], seq: number): number {
  let low = 0
  let high = lines.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if ((lines[mid] as LogLine).seq <= seq) low = mid + 1
    else high = mid
  }
  return low
}

export class LogStore {
  /** every line still kept, oldest first */
  lines: LogLine[] = []
  /** the lines that pass the filter, up to `viewedSeq`; a new array whenever it is rebuilt */
  view: LogLine[] = []
  private filter: LogFilter
  private viewedSeq = 0
  private paused = false

  constructor(
    readonly cap: number,
    filter: LogFilter = makeFilter(LEVELS, ''),
  ) {
    this.filter = filter
  }

  /** Lines that arrived while paused, not yet in the view. */
  get buffered(): number {
    return this.lines.length - firstAfter(this.lines, this.viewedSeq)
  }

  append(batch: readonly LogLine[]): void {
    for (const line of batch) this.lines.push(line)
    const excess = this.lines.length - this.cap
    if (excess > 0) this.lines.splice(0, excess)
    // A paused view keeps what the person is reading, even lines the buffer let go (at most `cap`).
    if (!this.paused) this.catchUp()
  }

  setFilter(filter: LogFilter): void {
    const before = this.filter
    this.filter = filter
    if (narrows(before, filter)) {
      this.view = this.view.filter((line) => passes(line, filter))
    } else {
      const end = firstAfter(this.lines, this.viewedSeq)
      const view: LogLine[] = []
      for (let i = 0; i < end; i++) {
        const line = this.lines[i] as LogLine
        if (passes(line, filter)) view.push(line)
      }
      this.view = view
    }
  }

  /** Freeze the view (lines keep arriving into the buffer), or bring it up to date again. */
  setPaused(paused: boolean): void {
    this.paused = paused
    if (!paused) this.catchUp()
  }

  clear(): void {
    this.lines = []
    this.view = []
  }

  private catchUp(): void {
    const lines = this.lines
    const stale = lines.length ? firstAfter(this.view, (lines[0] as LogLine).seq - 1) : 0
    if (stale) this.view.splice(0, stale)
    for (let i = firstAfter(lines, this.viewedSeq); i < lines.length; i++) {
      const line = lines[i] as LogLine
      if (passes(line, this.filter)) this.view.push(line)
    }
    if (lines.length) this.viewedSeq = (lines[lines.length - 1] as LogLine).seq
  }
}

// The cron builder's model: a few common shapes a person picks from, and the 5-field expression they
// make. Anything else is "custom" and is edited as text; the server validates and describes it.

export type CronMode = 'minutes' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'custom'

export interface CronSpec {
  mode: CronMode
  /** every N minutes (mode "minutes") */
  every: number
  minute: number
  hour: number
  /** 0 = Sunday ... 6 = Saturday (mode "weekly") */
  weekdays: number[]
  /** 1..31 (mode "monthly") */
  monthDays: number[]
  /** the expression itself (mode "custom") */
  expression: string
}

export const DEFAULT_SPEC: CronSpec = {
  mode: 'daily',
  every: 5,
  minute: 0,
  hour: 8,
  weekdays: [1],
  monthDays: [1],
  expression: '0 8 * * *',
}

const clamp = (value: number, low: number, high: number): number =>
  Math.min(high, Math.max(low, Math.trunc(Number.isFinite(value) ? value : low)))

function list(values: number[], low: number, high: number): string {
  const clean = [...new Set(values.map((v) => clamp(v, low, high)))].sort((a, b) => a - b)
  return clean.length ? clean.join(',') : String(low)
}

/** The 5-field cron expression of `spec`. */
export function buildCron(spec: CronSpec): string {
  const minute = clamp(spec.minute, 0, 59)
  const hour = clamp(spec.hour, 0, 23)
  switch (spec.mode) {
    case 'minutes': {
      const every = clamp(spec.every, 1, 59)
      return every === 1 ? '* * * * *' : `*/${every} * * * *`
    }
    case 'hourly':
      return `${minute} * * * *`
    case 'daily':
      return `${minute} ${hour} * * *`
    case 'weekly':
      return `${minute} ${hour} * * ${list(spec.weekdays, 0, 6)}`
    case 'monthly':
      return `${minute} ${hour} ${list(spec.monthDays, 1, 31)} * *`
    case 'custom':
      return spec.expression.trim().replace(/\s+/g, ' ')
  }
}

const NUMBER = /^\d{1,2}$/
const NUMBERS = /^\d{1,2}(,\d{1,2})*$/

function numbers(field: string): number[] {
  return field.split(',').map(Number)
}

/** The builder's view of `expression`: one of the shapes above, or "custom" keeping the text. */
export function parseCron(expression: string): CronSpec {
  const text = expression.trim().replace(/\s+/g, ' ')
  const custom: CronSpec = { ...DEFAULT_SPEC, mode: 'custom', expression: text }
  const fields = text.split(' ')
  if (fields.length !== 5) return custom
  const [minute, hour, day, month, weekday] = fields as [string, string, string, string, string]
  if (month !== '*') return custom
  const base = { ...DEFAULT_SPEC, expression: text }
  if (hour === '*' && day === '*' && weekday === '*') {
    if (minute === '*') return { ...base, mode: 'minutes', every: 1 }
    const every = /^\*\/(\d{1,2})$/.exec(minute)
    if (every) return { ...base, mode: 'minutes', every: Number(every[1]) }
    if (NUMBER.test(minute)) return { ...base, mode: 'hourly', minute: Number(minute) }
    return custom
  }
  if (!NUMBER.test(minute) || !NUMBER.test(hour)) return custom
  const at = { ...base, minute: Number(minute), hour: Number(hour) }
  if (day === '*' && weekday === '*') return { ...at, mode: 'daily' }
  if (day === '*' && NUMBERS.test(weekday)) return { ...at, mode: 'weekly', weekdays: numbers(weekday) }
  if (weekday === '*' && NUMBERS.test(day)) return { ...at, mode: 'monthly', monthDays: numbers(day) }
  return custom
}

/** Whether `expression` has the shape the server accepts (5 fields, or 6 with seconds first). */
export function looksLikeCron(expression: string): boolean {
  const fields = expression.trim().split(/\s+/)
  return (fields.length === 5 || fields.length === 6) && fields.every((f) => /^[\d*/,\-A-Za-z?LW#]+$/.test(f))
}

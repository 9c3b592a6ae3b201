// Times as the person reads them: in their time zone (or a schedule's) and the UI's language. The
// server answers every time in UTC (`2026-03-01T08:30:00.000Z`); older naive stamps are UTC too.
import { i18n } from '@/i18n'

const STYLES = {
  /** to the second: run logs, versions */
  full: { dateStyle: 'medium', timeStyle: 'medium' },
  /** to the minute, compact: the columns of long lists */
  short: { dateStyle: 'short', timeStyle: 'short' },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>

function parse(stamp: string): Date {
  return new Date(stamp.endsWith('Z') || /[+-]\d\d:\d\d$/.test(stamp) ? stamp : `${stamp}Z`)
}

/** A server time in local time, or '—' when there is none. */
export function localTime(stamp: string | null | undefined, style: keyof typeof STYLES = 'full'): string {
  if (!stamp) return '—'
  const date = parse(stamp)
  return Number.isNaN(date.getTime()) ? stamp : date.toLocaleString(i18n.global.locale.value, STYLES[style])
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0')

/** A server time as the local wall clock to the millisecond (a log line): `16:30:00.123`. */
export function clockTime(stamp: string): string {
  const date = parse(stamp)
  if (Number.isNaN(date.getTime())) return stamp
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
}

const zoned = new Map<string, Intl.DateTimeFormat>()

function zoneFormat(zone: string): Intl.DateTimeFormat | null {
  const locale = i18n.global.locale.value
  const key = `${locale} ${zone}`
  let format = zoned.get(key)
  if (!format) {
    try {
      format = new Intl.DateTimeFormat(locale, {
        timeZone: zone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZoneName: 'shortOffset',
      })
    } catch {
      return null
    }
    zoned.set(key, format)
  }
  return format
}

/**
 * A server time in time zone `zone`, as `2026-12-02 Wed 08:00 GMT+8` (weekday in the UI's language): a
 * schedule's fire times in the schedule's own zone, in one column-friendly order for every language.
 */
export function zonedTime(stamp: string, zone: string): string {
  const date = parse(stamp)
  const format = zoneFormat(zone)
  // a zone this browser does not know: local time still says the same instant
  if (Number.isNaN(date.getTime()) || !format) return localTime(stamp)
  const part: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {}
  for (const { type, value } of format.formatToParts(date)) part[type] = value
  return `${part.year}-${part.month}-${part.day} ${part.weekday} ${part.hour}:${part.minute} ${part.timeZoneName}`
}

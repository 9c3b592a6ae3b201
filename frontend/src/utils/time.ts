// Times as the person reads them: in their time zone and the UI's language.
import { i18n } from '@/i18n'

const STYLES = {
  /** to the second: run logs, versions */
  full: { dateStyle: 'medium', timeStyle: 'medium' },
  /** to the minute, compact: the columns of long lists */
  short: { dateStyle: 'short', timeStyle: 'short' },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>

/** A server time (UTC; naive stamps are UTC too) in local time, or '—' when there is none. */
export function localTime(stamp: string | null | undefined, style: keyof typeof STYLES = 'full'): string {
  if (!stamp) return '—'
  const zoned = stamp.endsWith('Z') || /[+-]\d\d:\d\d$/.test(stamp) ? stamp : `${stamp}Z`
  const date = new Date(zoned)
  return Number.isNaN(date.getTime()) ? stamp : date.toLocaleString(i18n.global.locale.value, STYLES[style])
}

import { describe, expect, it } from 'vitest'
import { buildCron, DEFAULT_SPEC, looksLikeCron, parseCron } from './cron'

describe('cron builder', () => {
  it('builds each shape', () => {
    expect(buildCron({ ...DEFAULT_SPEC, mode: 'minutes', every: 5 })).toBe('*/5 * * * *')
    expect(buildCron({ ...DEFAULT_SPEC, mode: 'minutes', every: 1 })).toBe('* * * * *')
    expect(buildCron({ ...DEFAULT_SPEC, mode: 'hourly', minute: 15 })).toBe('15 * * * *')
    expect(buildCron({ ...DEFAULT_SPEC, mode: 'daily', hour: 8, minute: 30 })).toBe('30 8 * * *')
    expect(buildCron({ ...DEFAULT_SPEC, mode: 'weekly', hour: 9, minute: 0, weekdays: [5, 1, 1] })).toBe('0 9 * * 1,5')
    expect(buildCron({ ...DEFAULT_SPEC, mode: 'monthly', hour: 0, minute: 0, monthDays: [15, 1] })).toBe('0 0 1,15 * *')
    expect(buildCron({ ...DEFAULT_SPEC, mode: 'custom', expression: '  0  */2 * * 1-5 ' })).toBe('0 */2 * * 1-5')
  })

  it('clamps out-of-range numbers instead of producing an invalid expression', () => {
    expect(buildCron({ ...DEFAULT_SPEC, mode: 'daily', hour: 99, minute: -3 })).toBe('0 23 * * *')
    expect(buildCron({ ...DEFAULT_SPEC, mode: 'minutes', every: 0 })).toBe('* * * * *')
  })

  it('parses what it builds back into the same shape', () => {
    for (const expression of ['*/5 * * * *', '15 * * * *', '30 8 * * *', '0 9 * * 1,5', '0 0 1,15 * *']) {
      expect(buildCron(parseCron(expression))).toBe(expression)
      expect(parseCron(expression).mode).not.toBe('custom')
    }
  })

  it('keeps anything else as custom text', () => {
    const spec = parseCron('0 */2 * * 1-5')
    expect(spec.mode).toBe('custom')
    expect(buildCron(spec)).toBe('0 */2 * * 1-5')
    expect(parseCron('0 0 8 * * *').mode).toBe('custom')
  })

  it('recognises the shapes the server accepts', () => {
    expect(looksLikeCron('*/5 * * * *')).toBe(true)
    expect(looksLikeCron('0 0 8 * * MON-FRI')).toBe(true)
    expect(looksLikeCron('every day')).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import { localTime } from './time'

describe('localTime', () => {
  it('reads a naive server stamp as UTC', () => {
    expect(localTime('2026-03-01T08:30:00')).toBe(localTime('2026-03-01T08:30:00Z'))
    expect(localTime('2026-03-01T08:30:00', 'short')).toBe(localTime('2026-03-01T16:30:00+08:00', 'short'))
  })

  it('shows a dash for no time and the stamp itself when it is not a time', () => {
    expect(localTime(null)).toBe('—')
    expect(localTime('')).toBe('—')
    expect(localTime('soon')).toBe('soon')
  })
})

import { describe, expect, it } from 'vitest'
import { clockTime, localTime, zonedTime } from './time'

describe('localTime', () => {
  it('reads a naive server stamp as UTC', () => {
    expect(localTime('2026-03-01T08:30:00')).toBe(localTime('2026-03-01T08:30:00.000Z'))
    expect(localTime('2026-03-01T08:30:00', 'short')).toBe(localTime('2026-03-01T16:30:00+08:00', 'short'))
  })

  it('shows a dash for no time and the stamp itself when it is not a time', () => {
    expect(localTime(null)).toBe('—')
    expect(localTime('')).toBe('—')
    expect(localTime('soon')).toBe('soon')
  })
})

describe('clockTime', () => {
  it('shows a UTC stamp on the local clock to the millisecond', () => {
    const date = new Date('2026-03-01T08:30:05.042Z')
    const hours = String(date.getHours()).padStart(2, '0')
    expect(clockTime('2026-03-01T08:30:05.042Z')).toBe(`${hours}:30:05.042`)
  })
})

describe('zonedTime', () => {
  it("shows a fire time in the schedule's own zone, with its offset", () => {
    expect(zonedTime('2026-12-02T00:00:00.000Z', 'Asia/Shanghai')).toBe('2026-12-02 周三 08:00 GMT+8')
    // Lord Howe is 30 minutes off a whole hour in summer
    expect(zonedTime('2026-12-02T00:00:00.000Z', 'Australia/Lord_Howe')).toBe('2026-12-02 周三 11:00 GMT+11')
  })

  it('falls back to local time for a zone the browser does not know', () => {
    expect(zonedTime('2026-12-02T00:00:00.000Z', 'Mars/Olympus')).toBe(localTime('2026-12-02T00:00:00.000Z'))
  })
})

import { describe, expect, it } from 'vitest'
import { type Level, LEVELS, type LogLine, LogStore, levelOf, makeFilter } from './logStore'

let seq = 0
function line(message: string, level: Level = 'INFO', scriptId = 'main.py_1_abc'): LogLine {
  seq += 1
  return {
    seq,
    scriptId,
    timestamp: '2026-01-01T00:00:00Z',
    level,
    message,
    replay: false,
    haystack: `${message}\n${scriptId}`.toLowerCase(),
  }
}

const messages = (lines: LogLine[]) => lines.map((l) => l.message)

describe('LogStore', () => {
  it('appends the lines that pass the filter as they arrive', () => {
    const store = new LogStore(100, makeFilter(['ERROR'], ''))
    store.append([line('a'), line('b', 'ERROR')])
    store.append([line('c', 'ERROR')])
    expect(messages(store.view)).toEqual(['b', 'c'])
    expect(store.lines).toHaveLength(3)
  })

  it('matches the search against the message and the script id, ignoring case', () => {
    const store = new LogStore(100)
    store.append([line('Order Paid'), line('other', 'INFO', 'billing.py_1_x'), line('nothing')])
    store.setFilter(makeFilter(LEVELS, ' PAID '))
    expect(messages(store.view)).toEqual(['Order Paid'])
    store.setFilter(makeFilter(LEVELS, 'billing'))
    expect(messages(store.view)).toEqual(['other'])
  })

  it('narrows and widens the search to the same lines a fresh filter would give', () => {
    const store = new LogStore(1000)
    const words = ['alpha', 'alphabet', 'alpine', 'beta', 'alphanumeric']
    store.append(Array.from({ length: 500 }, (_, i) => line(`${words[i % words.length]} ${i}`, LEVELS[i % 4])))
    for (const [levels, search] of [
      [LEVELS, 'al'],
      [LEVELS, 'alp'],
      [LEVELS, 'alpha'],
      [['INFO', 'ERROR'], 'alpha'],
      [['ERROR'], 'alphab'],
      [LEVELS, 'alph'],
      [['WARNING'], ''],
      [LEVELS, ''],
    ] as const) {
      const filter = makeFilter(levels, search)
      store.setFilter(filter)
      const fresh = store.lines.filter((l) => filter.levels.has(l.level) && l.haystack.includes(filter.needle))
      expect(messages(store.view)).toEqual(messages(fresh))
    }
  })

  it('freezes the view while paused and, on resume, appends only what came meanwhile', () => {
    const store = new LogStore(100)
    store.append([line('before')])
    store.setPaused(true)
    store.append([line('during 1'), line('during 2')])
    expect(messages(store.view)).toEqual(['before'])
    expect(store.buffered).toBe(2)

    const view = store.view
    store.setPaused(false)
    expect(store.view).toBe(view) // extended in place, not rebuilt from every line
    expect(messages(store.view)).toEqual(['before', 'during 1', 'during 2'])
    expect(store.buffered).toBe(0)
  })

  it('keeps a search made while paused to the lines seen before the pause', () => {
    const store = new LogStore(100)
    store.append([line('job one')])
    store.setPaused(true)
    store.append([line('job two')])
    store.setFilter(makeFilter(LEVELS, 'job'))
    expect(messages(store.view)).toEqual(['job one'])
    store.setFilter(makeFilter(LEVELS, 'jo'))
    expect(messages(store.view)).toEqual(['job one'])
    store.setPaused(false)
    expect(messages(store.view)).toEqual(['job one', 'job two'])
  })

  it('keeps only the newest lines beyond its cap, in the buffer and in the view', () => {
    const store = new LogStore(10)
    for (let batch = 0; batch < 5; batch++) {
      store.append(Array.from({ length: 7 }, (_, i) => line(`n${batch * 7 + i}`)))
    }
    expect(store.lines).toHaveLength(10)
    expect(messages(store.view)).toEqual(Array.from({ length: 10 }, (_, i) => `n${25 + i}`))
  })

  it('keeps a paused view whole, and lets the lines past the cap go on resume', () => {
    const store = new LogStore(3)
    store.append([line('1'), line('2'), line('3')])
    store.setPaused(true)
    store.append([line('4'), line('5')])
    expect(messages(store.view)).toEqual(['1', '2', '3'])
    expect(messages(store.lines)).toEqual(['3', '4', '5'])
    store.setPaused(false)
    expect(messages(store.view)).toEqual(['3', '4', '5'])
  })

  it('still shows new lines once the cap is reached', () => {
    const store = new LogStore(3)
    store.append([line('1'), line('2'), line('3')])
    store.append([line('4')])
    expect(messages(store.view)).toEqual(['2', '3', '4'])
  })

  it('forgets everything on clear', () => {
    const store = new LogStore(10)
    store.append([line('x')])
    store.clear()
    expect(store.lines).toEqual([])
    expect(store.view).toEqual([])
    store.append([line('y')])
    expect(messages(store.view)).toEqual(['y'])
  })
})

describe('levelOf', () => {
  it('reads WARN as WARNING, any case, and an unknown level as INFO', () => {
    expect(levelOf('warn')).toBe('WARNING')
    expect(levelOf('error')).toBe('ERROR')
    expect(levelOf('Debug')).toBe('DEBUG')
    expect(levelOf('trace')).toBe('INFO')
  })
})

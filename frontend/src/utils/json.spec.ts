import { describe, expect, it } from 'vitest'
import { parseJson, parseJsonObject } from './json'

describe('parseJsonObject', () => {
  it('reads an object, and blank text as null', () => {
    expect(parseJsonObject('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } })
    expect(parseJsonObject('  ')).toEqual({ ok: true, value: null })
  })

  it('refuses arrays, scalars and broken JSON', () => {
    for (const text of ['[1]', '3', '"x"', '{"a":', 'null x']) expect(parseJsonObject(text).ok).toBe(false)
  })
})

describe('parseJson', () => {
  it('reads any JSON value', () => {
    expect(parseJson('[1, 2]')).toEqual({ ok: true, value: [1, 2] })
    expect(parseJson('nope').ok).toBe(false)
  })
})

// Every word a person reads comes from vue-i18n: no text typed into a template, in Chinese or English,
// except the names of things that are the same in every language (API fields, units, the product).
import { readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = join(__dirname, '..')
const TECHNICAL = new Set(['VWED', 'Python', 'msg_type', 'trace_id', 'result', 'HTTP', 'ms', 'PID', 'v', '· B', '/api/custom', 'ms · trace_id'])
// placeholders that show the shape of a value (a URL, a requirement, a query), not words
const EXAMPLE = /^(https?:\/\/\S*|[\w.-]+==[\d.]+|\w+=\w+|\*\/5 \* \* \* \*)$/
const WORDS = /[A-Za-z\u4e00-\u9fff]/

function vueFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? vueFiles(join(dir, entry.name)) : entry.name.endsWith('.vue') ? [join(dir, entry.name)] : [],
  )
}

function literals(file: string): string[] {
  const source = readFileSync(file, 'utf8')
  const template = /<template>([\s\S]*)<\/template>/.exec(source)?.[1] ?? ''
  const markup = template.replace(/<!--[\s\S]*?-->/g, '')
  const found: string[] = []
  for (const [, node] of markup.matchAll(/>([^<>]+)</g)) {
    const text = (node ?? '').replace(/\{\{[\s\S]*?\}\}/g, '').replace(/\s+/g, ' ').trim()
    if (WORDS.test(text) && !TECHNICAL.has(text)) found.push(`text "${text}"`)
  }
  for (const [, attr, value] of markup.matchAll(/\s(placeholder|label|title|content|alt|aria-label|confirm-text|cancel-text|hint)="([^"]*)"/g)) {
    if (value && WORDS.test(value) && !TECHNICAL.has(value) && !EXAMPLE.test(value)) found.push(`${attr}="${value}"`)
  }
  return found
}

describe('templates', () => {
  it('take every visible word from vue-i18n', () => {
    const found = vueFiles(SRC).flatMap((file) => literals(file).map((what) => `${relative(SRC, file)}: ${what}`))
    expect(found).toEqual([])
  })
})

// The committed client types must be what `make api-client` generates from the committed schema
// (which a Python test compares with the app's current schema).
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import openapiTS, { astToString } from 'openapi-typescript'
import { describe, expect, it } from 'vitest'

const root = resolve(__dirname, '../..')

describe('generated API client', () => {
  it('matches openapi.json', async () => {
    const schema = JSON.parse(readFileSync(resolve(root, 'openapi.json'), 'utf8')) as Parameters<typeof openapiTS>[0]
    const generated = astToString(await openapiTS(schema))
    const committed = readFileSync(resolve(root, 'src/api/schema.d.ts'), 'utf8')
    const body = (text: string) => text.replace(/^\/\*\*[\s\S]*?\*\/\s*/, '').trim()
    expect(body(committed)).toBe(body(generated))
  }, 30_000)
})

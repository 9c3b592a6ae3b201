// Prints the gzip sizes of the built UI: what index.html loads at start, and the lazily loaded editor.
// Fails the build when the initial JavaScript exceeds its budget (500 kB gzip, issue 13).
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const BUDGET = 500 * 1024
const outDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/vwed/web/ui')
const html = readFileSync(resolve(outDir, 'index.html'), 'utf8')
const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1])
const gz = (name) => gzipSync(readFileSync(resolve(outDir, name))).length
const kb = (n) => `${(n / 1024).toFixed(1)} kB`

let total = 0
console.log('initial JavaScript (gzip):')
for (const name of initial) {
  const size = gz(name)
  total += size
  console.log(`  ${name.padEnd(48)} ${kb(size)}`)
}
console.log(`  total${' '.repeat(44)}${kb(total)} (budget ${kb(BUDGET)})`)
const lazy = readdirSync(resolve(outDir, 'assets')).filter((n) => n.endsWith('.js') && !initial.includes(`assets/${n}`))
const editor = lazy.filter((n) => n.startsWith('editor') || n.includes('worker'))
let editorTotal = 0
for (const n of editor) editorTotal += gz(`assets/${n}`)
console.log(`lazy editor chunks and workers (gzip): ${kb(editorTotal)} in ${editor.length} files`)
if (initial.some((n) => n.includes('editor'))) {
  console.error('the editor chunk is loaded at start; it must stay lazy')
  process.exit(1)
}
if (total > BUDGET) {
  console.error(`initial JavaScript ${kb(total)} exceeds the budget ${kb(BUDGET)}`)
  process.exit(1)
}

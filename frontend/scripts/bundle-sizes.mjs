// Prints the gzip sizes of the built UI from Vite's manifest: what index.html loads at start, what the
// editor loads on first use (its lazy chunk, the chunks it imports, its CSS and its worker), and every
// file the editor can ever load. Fails the build when the initial JavaScript exceeds its budget
// (500 kB gzip, issue 13) or when the editor is part of it. The manifest is removed afterwards: it
// serves this report only and does not ship.
import { readFileSync, readdirSync, rmSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const BUDGET = 500 * 1024
const EDITOR_ENTRY = 'src/editor/monaco.ts'
const outDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/vwed/web/ui')
const manifestDir = resolve(outDir, '.vite')
const manifest = JSON.parse(readFileSync(resolve(manifestDir, 'manifest.json'), 'utf8'))
rmSync(manifestDir, { recursive: true, force: true })

const gz = (file) => gzipSync(readFileSync(resolve(outDir, file))).length
const kb = (n) => `${(n / 1024).toFixed(1)} kB`

/**
 * `key` and every chunk it imports statically (and, with `lazy`, dynamically), short of the chunks in
 * `stop` (those loaded at start are already there when the editor loads).
 */
function closure(key, lazy, stop = new Set(), seen = new Set()) {
  if (seen.has(key) || stop.has(key)) return seen
  seen.add(key)
  const chunk = manifest[key]
  for (const next of [...(chunk.imports ?? []), ...(lazy ? (chunk.dynamicImports ?? []) : [])]) closure(next, lazy, stop, seen)
  return seen
}

function filesOf(keys) {
  const files = new Set()
  for (const key of keys) {
    files.add(manifest[key].file)
    for (const css of manifest[key].css ?? []) files.add(css)
  }
  return [...files]
}

function report(title, files) {
  let total = 0
  console.log(`${title} (gzip):`)
  for (const file of files.sort()) {
    const size = gz(file)
    total += size
    if (size >= 1024) console.log(`  ${file.padEnd(56)} ${kb(size)}`)
  }
  console.log(`  total ${kb(total)} in ${files.length} files`)
  return total
}

const start = new Set(
  Object.keys(manifest)
    .filter((key) => manifest[key].isEntry)
    .flatMap((key) => [...closure(key, false)]),
)
const initial = filesOf([...start]).filter((f) => f.endsWith('.js'))
const loadedAtStart = new Set([...filesOf([...start]), ...(manifest['index.html']?.css ?? [])])
const initialTotal = report('initial JavaScript', initial)
console.log(`  budget ${kb(BUDGET)}`)

if (!manifest[EDITOR_ENTRY]) {
  console.error(`${EDITOR_ENTRY} is not a chunk of the build`)
  process.exit(1)
}
const workers = readdirSync(resolve(outDir, 'assets'))
  .filter((name) => /worker.*\.js$/.test(name))
  .map((name) => `assets/${name}`)
const firstUse = filesOf([...closure(EDITOR_ENTRY, false, start)]).filter((f) => !loadedAtStart.has(f))
report('editor on first use: lazy chunk, its imports, CSS', firstUse)
report('editor workers', workers)
const everything = filesOf([...closure(EDITOR_ENTRY, true, start)]).filter((f) => !loadedAtStart.has(f))
report('every lazy file the editor can load (with languages it may fetch)', [...everything, ...workers])

if (start.has(EDITOR_ENTRY)) {
  console.error('the editor chunk is loaded at start; it must stay lazy')
  process.exit(1)
}
if (initialTotal > BUDGET) {
  console.error(`initial JavaScript ${kb(initialTotal)} exceeds the budget ${kb(BUDGET)}`)
  process.exit(1)
}

// The lazily loaded editor chunk: a Python-only Monaco (bundled, no CDN; see pythonMonaco.ts), and
// completion + hover for the VWED object (service scripts) and the task SDK globals (task scripts).
// Both references come from the server, generated from the runtime's docstrings.
import type { SdkDocs, VwedDocs, VwedMember } from '@/api/types'
import { monaco } from './pythonMonaco'

export { monaco }
export type ScriptKind = 'service' | 'task'

interface Docs {
  vwed: VwedDocs | null
  sdk: SdkDocs | null
  english: boolean
}

const docs: Docs = { vwed: null, sdk: null, english: false }
const kinds = new WeakMap<monaco.editor.ITextModel, ScriptKind>()

export function setDocs(vwed: VwedDocs | null, sdk: SdkDocs | null, english: boolean): void {
  docs.vwed = vwed ?? docs.vwed
  docs.sdk = sdk ?? docs.sdk
  docs.english = english
}

export function setKind(model: monaco.editor.ITextModel, kind: ScriptKind): void {
  kinds.set(model, kind)
}

const Kind = monaco.languages.CompletionItemKind

interface Entry {
  label: string
  kind: monaco.languages.CompletionItemKind
  detail: string
  doc: string
  insert?: string
}

function member(m: VwedMember): Entry {
  return {
    label: m.name,
    kind: Kind.Method,
    detail: `${m.is_async ? 'async ' : ''}${m.signature}`,
    doc: m.doc,
  }
}

function sdkEntries(): Entry[] {
  const sdk = docs.sdk
  if (!sdk) return []
  const out: Entry[] = []
  for (const group of Object.values(sdk.functions)) {
    for (const fn of group) {
      const text = docs.english ? fn.description_en : fn.description
      out.push({ label: fn.name, kind: Kind.Function, detail: fn.signature, doc: `${text}\n\n\`\`\`python\n${fn.example}\n\`\`\`` })
    }
  }
  for (const [name, v] of Object.entries(sdk.variables)) {
    out.push({ label: name, kind: Kind.Variable, detail: name, doc: docs.english ? v.description_en : v.description })
  }
  for (const name of sdk.modules) out.push({ label: name, kind: Kind.Module, detail: `module ${name}`, doc: '' })
  out.push({
    label: 'result',
    kind: Kind.Variable,
    detail: `result = {...}  (${sdk.result.msg_types.join(', ')})`,
    doc: docs.english ? sdk.result.description_en : sdk.result.description,
  })
  return out
}

/** What may follow the text before the cursor: VWED modules, a module's methods, or globals. */
export function entriesAt(before: string, kind: ScriptKind): Entry[] {
  const vwed = docs.vwed
  const inModule = /\bVWED\.(\w+)\.(\w*)$/.exec(before)
  if (inModule && vwed) {
    const module = vwed.modules.find((m) => m.name === inModule[1])
    return module ? module.members.map(member) : []
  }
  if (/\bVWED\.(\w*)$/.test(before) && vwed) {
    return [
      ...vwed.modules.map((m) => ({ label: m.name, kind: Kind.Module, detail: `VWED.${m.name}`, doc: m.doc })),
      ...vwed.methods.map(member),
    ]
  }
  if (/\.\w*$/.test(before)) return []
  if (kind === 'task') return sdkEntries()
  return vwed ? [{ label: 'VWED', kind: Kind.Variable, detail: 'VWED', doc: vwed.doc }] : []
}

function hoverAt(model: monaco.editor.ITextModel, position: monaco.Position): string | null {
  const word = model.getWordAtPosition(position)
  if (!word) return null
  const line = model.getLineContent(position.lineNumber)
  const before = line.slice(0, word.startColumn - 1)
  const kind = kinds.get(model) ?? 'service'
  const found = entriesAt(before, kind).find((e) => e.label === word.word)
  if (!found) return null
  return `**${found.detail}**\n\n${found.doc}`
}

monaco.languages.registerCompletionItemProvider('python', {
  triggerCharacters: ['.'],
  provideCompletionItems(model, position) {
    const word = model.getWordUntilPosition(position)
    const range = new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn)
    const before = model.getLineContent(position.lineNumber).slice(0, position.column - 1)
    const suggestions = entriesAt(before, kinds.get(model) ?? 'service').map((e) => ({
      label: e.label,
      kind: e.kind,
      detail: e.detail,
      documentation: { value: e.doc },
      insertText: e.insert ?? e.label,
      range,
    }))
    return { suggestions }
  },
})

monaco.languages.registerHoverProvider('python', {
  provideHover(model, position) {
    const text = hoverAt(model, position)
    return text ? { contents: [{ value: text }] } : null
  },
})

export function setTheme(dark: boolean): void {
  monaco.editor.setTheme(dark ? 'vs-dark' : 'vs')
}

/// <reference types="vite/client" />
declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}
// editor.main (the API plus every editor contribution) ships without its own .d.ts
declare module 'monaco-editor/editor/editor.main' {
  export * from 'monaco-editor/editor/editor.api'
}
declare const __UI_VERSION__: string

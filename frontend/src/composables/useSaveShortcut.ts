// Ctrl/Cmd+S saves wherever the focus is on a page with an editor (the editor itself handles the key
// when it has the focus and marks the event as handled), instead of the browser's "save page".
import { onBeforeUnmount, onMounted } from 'vue'

/** How the save key is written on this machine (⌘S on Apple keyboards). */
export const SAVE_KEY = /Mac|iPhone|iPad/.test(globalThis.navigator?.platform ?? '') ? '⌘S' : 'Ctrl+S'

export function isSaveKey(event: KeyboardEvent): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 's'
}

export function useSaveShortcut(save: () => void): void {
  function onKeydown(event: KeyboardEvent): void {
    if (!isSaveKey(event) || event.defaultPrevented) return
    event.preventDefault()
    save()
  }
  onMounted(() => window.addEventListener('keydown', onKeydown))
  onBeforeUnmount(() => window.removeEventListener('keydown', onKeydown))
}

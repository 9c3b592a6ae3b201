// Ask before leaving a page with unsaved changes: another route (the router's guards) or the tab
// itself (beforeunload).
import { onBeforeUnmount, onMounted, type Ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { onBeforeRouteLeave, onBeforeRouteUpdate } from 'vue-router'
import { confirmAction } from '@/utils/confirm'

export function useUnsavedGuard(dirty: Readonly<Ref<boolean>>): void {
  const { t } = useI18n()

  async function mayLeave(): Promise<boolean> {
    if (!dirty.value) return true
    return confirmAction({ body: t('editor.unsavedBody'), title: t('editor.unsavedTitle'), confirmText: t('editor.discard') })
  }

  function beforeUnload(event: BeforeUnloadEvent): void {
    if (dirty.value) event.preventDefault()
  }

  onBeforeRouteLeave(mayLeave)
  onBeforeRouteUpdate(mayLeave)
  onMounted(() => window.addEventListener('beforeunload', beforeUnload))
  onBeforeUnmount(() => window.removeEventListener('beforeunload', beforeUnload))
}

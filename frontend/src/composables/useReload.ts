// Load a page's data on mount and again when the backend comes back after an outage.
import { onMounted, watch } from 'vue'
import { useBackend } from '@/stores/backend'

export function useReload(load: () => Promise<void> | void): void {
  const backend = useBackend()
  onMounted(() => void load())
  watch(
    () => backend.recoveries,
    () => void load(),
  )
}

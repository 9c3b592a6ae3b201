// Whether the platform answers. A call that finds it down raises the banner; /api/health is polled
// until it answers again, then every page reloads its data (no full page reload).
import { defineStore } from 'pinia'
import { ref } from 'vue'

const POLL_MS = 2000

export const useBackend = defineStore('backend', () => {
  const down = ref(false)
  const recoveries = ref(0)
  let timer: ReturnType<typeof setTimeout> | null = null

  async function probe(): Promise<boolean> {
    try {
      const answer = await fetch('/api/health', { cache: 'no-store', signal: AbortSignal.timeout(3000) })
      return answer.ok
    } catch {
      return false
    }
  }

  function poll(): void {
    timer = setTimeout(async () => {
      if (await probe()) {
        timer = null
        down.value = false
        recoveries.value += 1
      } else {
        poll()
      }
    }, POLL_MS)
  }

  function markDown(): void {
    down.value = true
    if (timer === null) poll()
  }

  return { down, recoveries, markDown }
})

// Who is signed in. The API token is sent once to POST /api/auth/session and never kept: the browser
// holds an HttpOnly cookie, and this store only the user and the session's CSRF token (in memory).
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, clientState, envelope, undeclaredData } from '@/api/client'
import type { SessionInfo, User } from '@/api/types'

export const useSession = defineStore('session', () => {
  const user = ref<User | null>(null)
  const checked = ref(false)
  const signedIn = computed(() => user.value !== null)

  function adopt(info: SessionInfo | null): void {
    user.value = info?.user ?? null
    clientState.csrfToken = info?.csrf_token ?? null
    checked.value = true
  }

  /** Ask the server whether the cookie is still good (on start and after the backend comes back). */
  async function refresh(): Promise<void> {
    try {
      adopt(await undeclaredData<SessionInfo>(api.GET('/api/auth/session')))
    } catch {
      adopt(null)
    }
  }

  async function signIn(token: string): Promise<void> {
    adopt(await undeclaredData<SessionInfo>(api.POST('/api/auth/session', { body: { token } })))
  }

  async function signOut(): Promise<void> {
    try {
      await envelope(api.DELETE('/api/auth/session'))
    } finally {
      adopt(null)
    }
  }

  function forget(): void {
    adopt(null)
  }

  return { user, checked, signedIn, refresh, signIn, signOut, forget }
})

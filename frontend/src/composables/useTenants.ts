// Who may name a tenant: an admin creates for any tenant (or globally), a tenant token always in its
// own tenant (the server's rule, `tenant_id` on create bodies). The tenant list is read for admins only.
import { computed, ref } from 'vue'
import type { Tenant } from '@/api/types'
import { listTenants } from '@/composables/useAdmin'
import { useSession } from '@/stores/session'

export function useTenantScope() {
  const session = useSession()
  /** The caller sees and creates across tenants (the admin token, or an admin user). */
  const allTenants = computed(() => session.user?.role === 'admin')
  return { allTenants }
}

/** The tenants an admin may pick from, loaded on demand (empty for tenants, who cannot pick). */
export function useTenantList() {
  const { allTenants } = useTenantScope()
  const tenants = ref<Tenant[]>([])
  async function load(): Promise<void> {
    if (!allTenants.value) return
    try {
      tenants.value = await listTenants()
    } catch {
      tenants.value = []
    }
  }
  return { tenants, load }
}

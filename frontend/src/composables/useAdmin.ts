// Secrets, tenants and their configs, and the system's health.
import { api, data, envelope } from '@/api/client'
import type { components } from '@/api/schema'

export type SecretBody = components['schemas']['SecretCreate']
export type SecretChanges = components['schemas']['SecretUpdate']
export type TenantBody = components['schemas']['TenantCreate']

export const listSecrets = () => data(api.GET('/api/scheduled-tasks/secrets'))
export const createSecret = (body: SecretBody) => envelope(api.POST('/api/scheduled-tasks/secrets', { body }))
export const updateSecret = (id: number, body: SecretChanges) =>
  envelope(api.PUT('/api/scheduled-tasks/secrets/{secret_id}', { params: { path: { secret_id: id } }, body }))
export const deleteSecret = (id: number) =>
  envelope(api.DELETE('/api/scheduled-tasks/secrets/{secret_id}', { params: { path: { secret_id: id } } }))

export const listTenants = () => data(api.GET('/api/tenants'))
export const createTenant = (body: TenantBody) => envelope(api.POST('/api/tenants', { body }))
export const deleteTenant = (id: string) => envelope(api.DELETE('/api/tenants/{tenant_id}', { params: { path: { tenant_id: id } } }))
export const listConfigs = (id: string) => data(api.GET('/api/tenants/{tenant_id}/configs', { params: { path: { tenant_id: id } } }))
export const setConfig = (id: string, app_code: string, key: string, value: string | null) =>
  envelope(api.PUT('/api/tenants/{tenant_id}/configs', { params: { path: { tenant_id: id } }, body: { app_code, key, value } }))
export const deleteConfig = (id: string, app_code: string, key: string) =>
  envelope(api.DELETE('/api/tenants/{tenant_id}/configs/{app_code}/{key}', { params: { path: { tenant_id: id, app_code, key } } }))

export const health = () => data(api.GET('/api/health'))

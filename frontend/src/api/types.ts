// Names for the shapes the UI reads. Every answer the schema declares is an alias of the generated type
// (schema.d.ts, `make api-client`); the few it does not declare yet are at the end, with the narrowing
// of the schema's free-form fields (`dict[str, Any]` on the server) to what the UI shows.
import type { components } from './schema'

type Schemas = components['schemas']

export type Project = Schemas['ProjectOut']
export type ScriptFile = Schemas['FileListed']
export type FileMeta = Schemas['FileMeta']
export type ProjectFiles = Schemas['ProjectFiles']
export type FileDetail = Schemas['FileDetail']
export type FileVersion = Schemas['VersionOut']
export type FileVersions = Schemas['VersionList']
export type SyntaxReport = Schemas['SyntaxAnswer']

export type Registrations = Schemas['Registrations']
export type RunningScript = Schemas['RunningScript']
export type RouteEntry = Schemas['RouteInfo']
export type FunctionEntry = Schemas['FunctionInfo']
export type ListenerEntry = Schemas['ListenerInfo']
export type RegistryStatus = Schemas['RegistryStatus']

export type Task = Schemas['TaskOut']
export type TaskLog = Schemas['LogOut']
export type SchedulePreview = Schemas['Preview']
export type TestRun = Schemas['ScriptTrial']
export type TrialDelivery = Schemas['TrialDelivery']
export type Delivery = Schemas['DeliveryOut']
/** A page of a server-side list (the task list's paging, for any item type). */
export type Page<T> = Omit<Schemas['TaskPage'], 'items'> & { items: T[] }

export type Rendered = Schemas['Render']
export type Renders = Schemas['Renders']
export type Channel = Schemas['ChannelOut']
export type WecomApp = Schemas['WecomAppOut']
export type Secret = Schemas['SecretOut']
export type Tenant = Schemas['TenantOut']
export type TenantConfig = Schemas['ConfigOut']
export type Health = Schemas['Health']

// The request schemas name the allowed values; the answers type them as plain strings.
export type ExecutionType = Schemas['TaskCreate']['execution_type']
export type ScheduleType = Schemas['TaskCreate']['schedule_type']
export type OverlapPolicy = Schemas['TaskCreate']['overlap_policy']
export type ChannelType = Schemas['ChannelCreate']['channel_type']
export type RestartPolicy = Schemas['StartRequest']['restart_policy']

export const EXECUTION_TYPES = ['script', 'webhook'] as const satisfies readonly ExecutionType[]
export const SCHEDULE_TYPES = ['cron', 'simple'] as const satisfies readonly ScheduleType[]
export const OVERLAP_POLICIES = ['skip', 'queue'] as const satisfies readonly OverlapPolicy[]
export const CHANNEL_TYPES = ['dingtalk_bot', 'wecom_bot', 'apprise'] as const satisfies readonly ChannelType[]

/** `value` if it is one of `values` (an enum the server answers as a string), else `fallback`. */
export function oneOf<T extends string>(values: readonly T[], value: string, fallback: T): T {
  return values.find((v) => v === value) ?? fallback
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((v) => typeof v === 'string')
}

/** A sandbox as `/api/health` reports it (`sandbox` for task runs, `service_sandbox` for services). */
export interface SandboxReport {
  /** the strongest layer in use: L0 .. L3 */
  level: string
  /** the layers every child is started with */
  active: string[]
  /** each layer's probe verdict ("ok", or why not) */
  probe: Record<string, string>
}

export function sandboxReportOf(value: Record<string, unknown> | null): SandboxReport | null {
  if (!value || typeof value.level !== 'string') return null
  const active = Array.isArray(value.active) ? value.active.filter((v): v is string => typeof v === 'string') : []
  return { level: value.level, active, probe: isStringRecord(value.probe) ? value.probe : {} }
}

/** What each kind of channel would receive for a result (check-result, a test run), or why not. */
export type MessagePreview = Renders | { error: string }

function isRendered(value: unknown): value is Rendered {
  return isRecord(value) && typeof value.msg_type === 'string'
}

/** A test run's `messages` (free-form in the schema) as a preview, when it is one. */
export function previewOf(messages: Record<string, unknown> | null): MessagePreview | null {
  if (!messages) return null
  if (typeof messages.error === 'string') return { error: messages.error }
  const { dingtalk_bot, wecom_bot, wecom_app, apprise } = messages
  if (isRendered(dingtalk_bot) && isRendered(wecom_bot) && isRendered(wecom_app) && isRendered(apprise)) {
    return { dingtalk_bot, wecom_bot, wecom_app, apprise }
  }
  return null
}

// -- answers the schema does not declare yet (their operations answer `dict[str, Any]`) ----------

/** GET/POST /api/auth/session */
export interface User {
  name: string
  role: string
  tenant_id: string | null
}

export interface SessionInfo {
  user: User | null
  csrf_token: string | null
}

/** GET /api/scheduled-tasks/{task_id}/vars */
export interface TaskVariable {
  key: string
  value: unknown
  updated_at: string
}

/** GET /api/scheduled-tasks/sdk-docs */
export interface SdkFunction {
  name: string
  signature: string
  description: string
  description_en: string
  example: string
}

export interface SdkDocs {
  functions: Record<string, SdkFunction[]>
  variables: Record<string, { description: string; description_en: string }>
  modules: string[]
  result: { description: string; description_en: string; msg_types: string[] }
}

/** GET /api/script/vwed-docs */
export interface VwedMember {
  name: string
  signature: string
  doc: string
  is_async: boolean
}

export interface VwedDocs {
  doc: string
  modules: { name: string; doc: string; members: VwedMember[] }[]
  methods: VwedMember[]
}

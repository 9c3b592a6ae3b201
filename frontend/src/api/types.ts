// Shapes of the `data` the UI reads. The schema's responses are untyped until the API declares response
// models (issue 14); then these become aliases of the generated types and `make api-client` checks them.

export interface User {
  name: string
  role: string
  tenant_id: string | null
}

export interface SessionInfo {
  user: User | null
  csrf_token: string | null
}

export interface Project {
  id: number
  project_name: string
  project_path: string
  description: string | null
  status: string
  created_at: string
  updated_at: string
}

export interface ScriptFile {
  id: number
  file_name: string
  file_path: string
  file_type: string
  size: number
  has_boot_function: boolean
  status: string
  created_at: string
}

export interface ProjectFiles {
  project: Pick<Project, 'id' | 'project_name' | 'project_path'>
  files: ScriptFile[]
}

export interface FileDetail {
  file: ScriptFile & { project_id: number; updated_at: string }
  content: string
}

export interface FileVersion {
  version: number
  size: number
  created_by: string | null
  created_at: string
  content?: string
}

export interface FileVersions {
  file_id: number
  current_version: number
  versions: FileVersion[]
}

export interface SyntaxReport {
  valid: boolean
  message?: string
  error?: string
  line?: number | null
  offset?: number | null
}

export interface Registrations {
  apis: number
  functions: number
  events: number
  timers: number
}

export interface RunningScript {
  script_id: string
  script_path: string
  started_at: string
  status: string
  message: string | null
  pid: number | null
  restart_policy: string
  sandbox: string
  restarts: number
  registrations: Registrations
}

export interface RouteEntry {
  path: string
  method: string
  script_id: string
  description: string
  call_count: number
  average_response_time_ms: number
  registered_at: string
}

export interface FunctionEntry {
  script_id: string
  description: string
  is_async: boolean
  call_count: number
  success_count: number
  error_count: number
  average_execution_time_ms: number
}

export interface ListenerEntry {
  script_id: string
  priority: number
  registered_at: string
}

export interface ActiveScript {
  script_path: string
  started_at: string
  status: string
  heartbeat: number | null
}

export interface RegistryStatus {
  api_routes: Record<string, RouteEntry>
  registered_functions: Record<string, FunctionEntry>
  event_listeners: Record<string, ListenerEntry[]>
  timers: Record<string, Record<string, unknown>>
  active_scripts: Record<string, ActiveScript>
}

export type ExecutionType = 'webhook' | 'script'
export type ScheduleType = 'simple' | 'cron'

export interface Task {
  id: number
  tenant_id: string | null
  task_name: string
  task_desc: string | null
  schedule_type: ScheduleType
  time_points: string[] | null
  cron_expression: string | null
  timezone: string
  execution_type: ExecutionType
  webhook_url: string | null
  script_content: string | null
  script_deps: string | null
  input_params: Record<string, unknown> | null
  retry_count: number
  retry_interval: number
  alert_on_failure: boolean
  alert_webhook: string | null
  notify_channels: number[] | null
  notify_wecom_app_id: number | null
  is_enabled: boolean
  overlap_policy: 'skip' | 'queue'
  timeout_seconds: number
  next_run_at: string | null
  last_run_at: string | null
  last_run_status: string | null
  last_run_message: string | null
}

export interface Page<T> {
  items: T[]
  total: number
  page: number
  page_size: number
}

export interface TaskLog {
  id: number
  task_id: number
  trace_id: string
  status: string
  trigger: string
  scheduled_at: string | null
  started_at: string | null
  finished_at: string | null
  duration_ms: number | null
  output: string | null
  error: string | null
  retry_count: number
  created_at: string
}

export interface SchedulePreview {
  schedule_type: ScheduleType
  timezone: string
  description: string
  next_runs: string[]
}

export interface Rendered {
  msg_type: string
  converted_from: string | null
  payload?: unknown
  title?: string
  body?: string
}

export interface DeliveryOutcome {
  target: string
  channel_type: string
  ok: boolean
  message: string
}

/** What each kind of channel would receive for a result (check-result), or why it cannot be sent. */
export type MessagePreview = Record<string, Rendered> | { error: string }

export interface TestRun {
  success: boolean
  output: string
  error: string | null
  line: number | null
  duration_ms: number
  trace_id: string
  result: unknown
  sandbox: unknown
  messages: MessagePreview | null
  deliveries: DeliveryOutcome[]
}

export interface Delivery {
  id: number
  channel_id: number | null
  target: string
  channel_type: string
  msg_type: string
  status: string
  attempts: number
  response: string | null
  trace_id: string | null
  created_at: string
}

export type ChannelType = 'dingtalk_bot' | 'wecom_bot' | 'apprise'

export interface Channel {
  id: number
  tenant_id: string | null
  channel_name: string
  channel_type: ChannelType
  webhook_url: string
  sign_secret: string | null
  has_sign_secret: boolean
  description: string | null
  is_enabled: boolean
}

export interface WecomApp {
  id: number
  app_name: string
  corp_id: string
  agent_id: number
  secret: string
  default_touser: string | null
  default_toparty: string | null
  api_base: string
  description: string | null
  is_enabled: boolean
}

export interface Secret {
  id: number
  key: string
  tenant_id: string | null
  shared: boolean
  description: string | null
  updated_at: string
}

export interface TaskVariable {
  key: string
  value: unknown
  updated_at: string
}

export interface Tenant {
  tenant_id: string
  tenant_name: string
  description: string | null
  is_enabled: boolean
}

export interface TenantConfig {
  tenant_id: string
  app_code: string
  key: string
  value: unknown
  updated_at: string
}

export interface Health {
  status: string
  version: string
  database: string
  sandbox: { level: string; active: string[]; probe: Record<string, string> } | null
}

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

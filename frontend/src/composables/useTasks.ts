// Scheduled tasks (seed 004): list with filters and paging, CRUD, toggle, run now, logs, previews.
import { api, data, envelope, undeclaredData } from '@/api/client'
import type { components } from '@/api/schema'
import type { ExecutionType, TaskVariable } from '@/api/types'

export type TaskBody = components['schemas']['TaskCreate']
export type TaskChanges = components['schemas']['TaskUpdate']
export type PreviewBody = components['schemas']['SchedulePreview']
export type TestBody = components['schemas']['TestScript']

export const LAST_STATUSES = ['success', 'failed', 'running'] as const

export interface TaskFilters {
  keyword?: string
  is_enabled?: boolean
  execution_type?: ExecutionType
  last_run_status?: (typeof LAST_STATUSES)[number] | 'never'
}

export const listTasks = (filters: TaskFilters, page: number, page_size: number) =>
  data(api.GET('/api/scheduled-tasks', { params: { query: { ...filters, page, page_size } } }))
export const getTask = (id: number) => data(api.GET('/api/scheduled-tasks/{task_id}', { params: { path: { task_id: id } } }))
export const createTask = (body: TaskBody) => envelope(api.POST('/api/scheduled-tasks', { body }))
export const updateTask = (id: number, body: TaskChanges) =>
  envelope(api.PUT('/api/scheduled-tasks/{task_id}', { params: { path: { task_id: id } }, body }))
export const deleteTask = (id: number) =>
  envelope(api.DELETE('/api/scheduled-tasks/{task_id}', { params: { path: { task_id: id } } }))
export const toggleTask = (id: number, is_enabled: boolean) =>
  envelope(api.POST('/api/scheduled-tasks/{task_id}/toggle', { params: { path: { task_id: id } }, body: { is_enabled } }))
export const runNow = (id: number) =>
  envelope(api.POST('/api/scheduled-tasks/{task_id}/run', { params: { path: { task_id: id } } }))
export const taskLogs = (id: number, page: number) =>
  data(api.GET('/api/scheduled-tasks/{task_id}/logs', { params: { path: { task_id: id }, query: { page, page_size: 50 } } }))
export const deliveries = (trace_id: string) =>
  data(api.GET('/api/notification-channels/deliveries', { params: { query: { trace_id } } }))
export const previewSchedule = (body: PreviewBody) => data(api.POST('/api/scheduled-tasks/schedule-preview', { body }))
export const testScript = (body: TestBody) => data(api.POST('/api/scheduled-tasks/test-script', { body }))
export const taskVars = (id: number) =>
  undeclaredData<TaskVariable[]>(api.GET('/api/scheduled-tasks/{task_id}/vars', { params: { path: { task_id: id } } }))
export const deleteVar = (id: number, key: string) =>
  envelope(api.DELETE('/api/scheduled-tasks/{task_id}/vars/{key}', { params: { path: { task_id: id, key } } }))

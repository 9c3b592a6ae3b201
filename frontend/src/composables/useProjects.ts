// Projects, files and versions (seed 000 sections 1 and 2).
import { api, data, envelope, rawCall } from '@/api/client'
import type { FileDetail, FileVersion, FileVersions, Project, ProjectFiles, ScriptFile } from '@/api/types'

export const listProjects = () => data<Project[]>(api.GET('/api/script/projects'))

export const createProject = (project_name: string, description: string | null) =>
  envelope<Project>(api.POST('/api/script/projects', { body: { project_name, description } }))

export const listFiles = (projectId: number) =>
  data<ProjectFiles>(api.GET('/api/script/projects/{project_id}/files', { params: { path: { project_id: projectId } } }))

export const getFile = (fileId: number) =>
  data<FileDetail>(api.GET('/api/script/files/{file_id}', { params: { path: { file_id: fileId } } }))

export const createFile = (project_id: number, file_name: string, file_path: string, content: string) =>
  envelope<ScriptFile>(api.POST('/api/script/files', { body: { project_id, file_name, file_path, content, file_type: 'python' } }))

export const saveFile = (fileId: number, content: string) =>
  envelope(api.PUT('/api/script/files/{file_id}', { params: { path: { file_id: fileId } }, body: { content } }))

export const deleteFile = (fileId: number) =>
  envelope(api.DELETE('/api/script/files/{file_id}', { params: { path: { file_id: fileId } } }))

export const listVersions = (fileId: number) =>
  data<FileVersions>(api.GET('/api/script/files/{file_id}/versions', { params: { path: { file_id: fileId } } }))

export const getVersion = (fileId: number, version: number) =>
  data<FileVersion>(
    api.GET('/api/script/files/{file_id}/versions/{version}', { params: { path: { file_id: fileId, version } } }),
  )

export const restoreVersion = (fileId: number, version: number) =>
  envelope(
    api.POST('/api/script/files/{file_id}/versions/{version}/restore', {
      params: { path: { file_id: fileId, version } },
    }),
  )

export function uploadFile(projectId: number, file: File) {
  const form = new FormData()
  form.append('project_id', String(projectId))
  form.append('file', file)
  return data<ScriptFile>(rawCall(new Request('/api/script/upload', { method: 'POST', body: form })))
}

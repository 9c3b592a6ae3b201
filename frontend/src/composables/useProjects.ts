// Projects, files and versions (seed 000 sections 1 and 2).
import { api, data, envelope } from '@/api/client'

export const listProjects = () => data(api.GET('/api/script/projects'))
export const createProject = (project_name: string, description: string | null, tenant_id: string | null) =>
  envelope(api.POST('/api/script/projects', { body: { project_name, description, tenant_id } }))
export const listFiles = (projectId: number) =>
  data(api.GET('/api/script/projects/{project_id}/files', { params: { path: { project_id: projectId } } }))
export const getFile = (fileId: number) => data(api.GET('/api/script/files/{file_id}', { params: { path: { file_id: fileId } } }))
export const createFile = (project_id: number, file_name: string, file_path: string, content: string) =>
  envelope(api.POST('/api/script/files', { body: { project_id, file_name, file_path, content, file_type: 'python' } }))
export const saveFile = (fileId: number, content: string) =>
  envelope(api.PUT('/api/script/files/{file_id}', { params: { path: { file_id: fileId } }, body: { content } }))
export const deleteFile = (fileId: number) =>
  envelope(api.DELETE('/api/script/files/{file_id}', { params: { path: { file_id: fileId } } }))
export const listVersions = (fileId: number) =>
  data(api.GET('/api/script/files/{file_id}/versions', { params: { path: { file_id: fileId } } }))
export const getVersion = (fileId: number, version: number) =>
  data(api.GET('/api/script/files/{file_id}/versions/{version}', { params: { path: { file_id: fileId, version } } }))
export const restoreVersion = (fileId: number, version: number) =>
  envelope(api.POST('/api/script/files/{file_id}/versions/{version}/restore', { params: { path: { file_id: fileId, version } } }))

/** Upload a file into a project (multipart: the browser sets the boundary). */
export const uploadFile = (projectId: number, file: File) =>
  data(
    api.POST('/api/script/upload', {
      body: { project_id: projectId, file: file.name },
      bodySerializer: ({ project_id }) => {
        const form = new FormData()
        form.append('project_id', String(project_id))
        form.append('file', file)
        return form
      },
    }),
  )

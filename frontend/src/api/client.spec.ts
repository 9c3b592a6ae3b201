import { afterEach, describe, expect, it, vi } from 'vitest'
import { api, clientState, data, envelope, onApiError } from './client'
import { uploadFile } from '@/composables/useProjects'
import { ApiError, errorOfResponse, errorOfThrown } from './errors'

function answer(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

afterEach(() => {
  vi.unstubAllGlobals()
  clientState.csrfToken = null
})

describe('error mapping', () => {
  it('maps a failure envelope to its kind and message, with field details', () => {
    const error = errorOfResponse(400, { success: false, error: '请求参数验证失败', detail: [{ field: 'x', message: '必填字段' }] })
    expect(error.kind).toBe('bad_request')
    expect(error.message).toBe('请求参数验证失败')
    expect(error.detail).toEqual([{ field: 'x', message: '必填字段' }])
    expect(errorOfResponse(401, { success: false, error: 'no' }).kind).toBe('unauthorized')
    expect(errorOfResponse(409, { success: false, error: 'dup' }).kind).toBe('conflict')
    expect(errorOfResponse(500, { success: false, error: 'boom' }).kind).toBe('server')
  })

  it('treats a gateway error without our envelope as the server being unavailable', () => {
    expect(errorOfResponse(502, '<html>Bad Gateway</html>').kind).toBe('unavailable')
    expect(errorOfResponse(503, null).kind).toBe('unavailable')
  })

  it('calls a 503 with our envelope busy (try again later), with the server message', () => {
    const message = '系统繁忙: 全部 8 个运行槽位都在使用中,请稍后再试 (VWED_EXECUTOR_CONCURRENCY)'
    const error = errorOfResponse(503, { success: false, error: message })
    expect(error.kind).toBe('busy')
    expect(error.message).toBe(message)
  })

  it('tells a timeout, an offline browser and a refused connection apart', () => {
    expect(errorOfThrown(new DOMException('t', 'TimeoutError'), true).kind).toBe('timeout')
    expect(errorOfThrown(new TypeError('Failed to fetch'), false).kind).toBe('network')
    expect(errorOfThrown(new TypeError('Failed to fetch'), true).kind).toBe('unavailable')
  })
})

describe('client', () => {
  it('sends the CSRF token on unsafe methods only, and the UI language', async () => {
    const seen: Request[] = []
    vi.stubGlobal('fetch', async (request: Request) => {
      seen.push(request)
      return answer(200, { success: true, data: [] })
    })
    clientState.csrfToken = 'csrf-1'
    clientState.language = 'en'
    await data(api.GET('/api/script/projects'))
    await envelope(api.POST('/api/script/projects', { body: { project_name: 'p' } }))
    expect(seen[0]?.headers.get('X-CSRF-Token')).toBeNull()
    expect(seen[1]?.headers.get('X-CSRF-Token')).toBe('csrf-1')
    expect(seen[1]?.headers.get('Accept-Language')).toBe('en')
  })

  it('reports a refused connection to the listeners as unavailable', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch')
    })
    const kinds: string[] = []
    const stop = onApiError((e) => kinds.push(e.kind))
    await expect(data(api.GET('/api/script/projects'))).rejects.toBeInstanceOf(ApiError)
    stop()
    expect(kinds).toEqual(['unavailable'])
  })

  it('raises a success status without the declared body as a server error', async () => {
    vi.stubGlobal('fetch', async () => answer(200, { success: true }))
    await expect(data(api.GET('/api/script/projects'))).rejects.toMatchObject({ kind: 'server' })
  })

  it('sends an upload as multipart form data with the file', async () => {
    const seen: Request[] = []
    vi.stubGlobal('fetch', async (request: Request) => {
      seen.push(request)
      return answer(200, { success: true, data: { id: 7 } })
    })
    await expect(uploadFile(3, new File(['print(1)'], 'a.py'))).resolves.toEqual({ id: 7 })
    const form = await seen[0]?.formData()
    expect(form?.get('project_id')).toBe('3')
    expect(form?.get('file')).toBeInstanceOf(File)
    expect(seen[0]?.headers.get('Content-Type')).toMatch(/^multipart\/form-data; boundary=/)
  })

  it('returns the data of a success envelope and raises the message of a failure', async () => {
    vi.stubGlobal('fetch', async (request: Request) =>
      request.url.endsWith('/1') ? answer(404, { success: false, error: '项目不存在: 1' }) : answer(200, { success: true, data: { id: 2 } }),
    )
    await expect(data(api.GET('/api/script/projects/{project_id}', { params: { path: { project_id: 2 } } }))).resolves.toEqual({ id: 2 })
    await expect(data(api.GET('/api/script/projects/{project_id}', { params: { path: { project_id: 1 } } }))).rejects.toMatchObject({
      kind: 'not_found',
      message: '项目不存在: 1',
    })
  })
})

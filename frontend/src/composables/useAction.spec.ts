import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/errors'
import { i18n } from '@/i18n'
import { describeError } from './useAction'

const t = i18n.global.t

describe('describeError', () => {
  it("shows the server's own message, with the fields it names", () => {
    const error = new ApiError('bad_request', '请求参数验证失败', 400, [{ field: 'task_name', message: '必填字段' }])
    expect(describeError(error, t)).toBe('请求参数验证失败 (task_name: 必填字段)')
    expect(describeError(new ApiError('conflict', '项目已存在', 409), t)).toBe('项目已存在')
  })

  it('names timeouts, network errors and an unavailable server apart', () => {
    const messages = (['timeout', 'network', 'unavailable'] as const).map((kind) => describeError(new ApiError(kind, ''), t))
    expect(messages).toEqual(['请求超时,请稍后重试', '网络错误,请检查网络连接', '服务暂时不可用'])
  })
})

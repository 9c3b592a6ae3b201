import { describe, expect, it } from 'vitest'
import { ApiError } from './errors'
import { depsLineOf, fieldProblems, splitPath } from './fieldErrors'

describe('field errors', () => {
  it('puts a detail path under the form field it starts with', () => {
    expect(splitPath('notify_channels[1]')).toEqual({ root: 'notify_channels', rest: '[1]' })
    expect(splitPath('result.jump_list[0].type')).toEqual({ root: 'result', rest: '.jump_list[0].type' })
    expect(splitPath('task_name')).toEqual({ root: 'task_name', rest: '' })
  })

  it('reads the script_deps line a refusal names, in both languages', () => {
    expect(depsLineOf('script_deps 第 2 行不是普通的 PEP 508 依赖 (installer options are not allowed): -r x')).toBe(2)
    expect(depsLineOf('script_deps line 12 is not a plain PEP 508 requirement (URLs ...): foo @ http://x')).toBe(12)
    expect(depsLineOf('此服务器不允许该任务使用 script_deps (VWED_DEPS_ALLOWED_TENANTS)')).toBeNull()
  })

  it('places a script_deps refusal (400 or 403, no detail) at the script_deps field', () => {
    const refused = new ApiError('bad_request', 'script_deps 第 2 行不是普通的 PEP 508 依赖 (x): -r y', 400)
    const forbidden = new ApiError('forbidden', '此服务器不允许该任务使用 script_deps (VWED_DEPS_ENABLED=false)', 403)
    expect(fieldProblems(refused)).toEqual([{ field: 'script_deps', message: refused.message }])
    expect(fieldProblems(forbidden)).toEqual([{ field: 'script_deps', message: forbidden.message }])
    expect(fieldProblems(new ApiError('forbidden', '没有权限', 403))).toEqual([])
  })

  it('keeps the detail list of a validation failure as it came', () => {
    const detail = [{ field: 'notify_channels[1]', message: '通知渠道不存在: 999' }]
    expect(fieldProblems(new ApiError('bad_request', '请求参数验证失败', 400, detail))).toEqual(detail)
  })
})

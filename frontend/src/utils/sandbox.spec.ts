import { describe, expect, it } from 'vitest'
import { previewOf, sandboxReportOf } from '@/api/types'
import { functionName } from '@/composables/useScripts'
import { layerRows } from './sandbox'

describe('sandbox reports', () => {
  it('reads a health sandbox and lists its levels before its checks', () => {
    const report = sandboxReportOf({
      level: 'L3',
      active: ['rlimits', 'namespaces'],
      probe: { seccomp: 'ok', L3: 'ok', landlock: 'no Landlock ABI', L0: 'ok', L1: 'ok' },
    })
    expect(report?.level).toBe('L3')
    expect(layerRows(report?.probe ?? {}).map(([name]) => name)).toEqual(['L0', 'L1', 'L3', 'landlock', 'seccomp'])
  })

  it('has no report for a missing or malformed one', () => {
    expect(sandboxReportOf(null)).toBeNull()
    expect(sandboxReportOf({ active: [] })).toBeNull()
  })
})

describe('registry names', () => {
  it('calls a tenant function an admin sees as tenant:name by its own name', () => {
    expect(functionName('tenant-a:calc', 'tenant-a')).toBe('calc')
    expect(functionName('calc', null)).toBe('calc')
    expect(functionName('calc', 'tenant-a')).toBe('calc')
  })
})

describe('test run messages', () => {
  const render = { msg_type: 'markdown', converted_from: null }
  it('reads the renders of every channel kind, or the reason they are not sent', () => {
    const all = { dingtalk_bot: render, wecom_bot: render, wecom_app: render, apprise: render }
    expect(previewOf(all)).toEqual(all)
    expect(previewOf({ error: 'result 不是消息' })).toEqual({ error: 'result 不是消息' })
    expect(previewOf({ dingtalk_bot: render })).toBeNull()
    expect(previewOf(null)).toBeNull()
  })
})

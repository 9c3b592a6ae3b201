import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { defineComponent, h, reactive } from 'vue'
import { ApiError } from '@/api/errors'
import { i18n } from '@/i18n'
import { type FieldErrors, useFieldErrors } from './useFieldErrors'

type Form = { task_name: string; notify_channels: number[]; script_deps: string }

/** The composable inside a component (it uses vue-i18n), with a form the test can change. */
function withForm(): { form: Form; errors: FieldErrors<keyof Form> } {
  const form = reactive<Form>({ task_name: 'x', notify_channels: [1, 999], script_deps: 'requests\n-r /etc/passwd' })
  let errors: FieldErrors<keyof Form> | null = null
  mount(
    defineComponent({
      setup() {
        errors = useFieldErrors(() => ({ ...form }))
        return () => h('div')
      },
    }),
    { global: { plugins: [i18n] } },
  )
  if (!errors) throw new Error('not mounted')
  return { form, errors }
}

describe('useFieldErrors', () => {
  it('shows each problem at its field, naming the item of a list', () => {
    const { errors } = withForm()
    const left = errors.take(
      new ApiError('bad_request', '请求参数验证失败', 400, [
        { field: 'notify_channels[1]', message: '通知渠道不存在: 999' },
        { field: 'other', message: 'elsewhere' },
      ]),
    )
    expect(errors.of('notify_channels')).toBe('第 2 项: 通知渠道不存在: 999')
    expect(errors.of('task_name')).toBe('')
    expect(left.detail).toEqual([{ field: 'other', message: 'elsewhere' }])
  })

  it('drops an error once its field holds another value', () => {
    const { form, errors } = withForm()
    errors.take(new ApiError('bad_request', 'script_deps 第 2 行不是普通的 PEP 508 依赖 (x): -r /etc/passwd', 400))
    expect(errors.of('script_deps')).toContain('第 2 行')
    form.script_deps = 'requests'
    expect(errors.of('script_deps')).toBe('')
  })
})

// The one "are you sure?" of the console (deleting, leaving unsaved changes); false when cancelled.
import { ElMessageBox } from 'element-plus'
import { i18n } from '@/i18n'

interface Question {
  body: string
  title: string
  confirmText: string
  danger?: boolean
}

export async function confirmAction(question: Question): Promise<boolean> {
  try {
    await ElMessageBox.confirm(question.body, question.title, {
      type: 'warning',
      confirmButtonText: question.confirmText,
      cancelButtonText: i18n.global.t('common.cancel'),
      confirmButtonClass: question.danger ? 'el-button--danger' : undefined,
    })
    return true
  } catch {
    return false
  }
}

export function confirmDelete(name: string, body?: string): Promise<boolean> {
  const { t } = i18n.global
  return confirmAction({
    body: body ?? t('common.deleteBody', { name }),
    title: t('common.delete'),
    confirmText: t('common.delete'),
    danger: true,
  })
}

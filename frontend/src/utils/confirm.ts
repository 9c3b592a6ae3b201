// The one "are you sure?" before deleting something; false when the person cancels.
import { ElMessageBox } from 'element-plus'
import { i18n } from '@/i18n'

export async function confirmDelete(name: string, body?: string): Promise<boolean> {
  const { t } = i18n.global
  try {
    await ElMessageBox.confirm(body ?? t('common.deleteBody', { name }), t('common.delete'), {
      type: 'warning',
      confirmButtonText: t('common.delete'),
      cancelButtonText: t('common.cancel'),
      confirmButtonClass: 'el-button--danger',
    })
    return true
  } catch {
    return false
  }
}

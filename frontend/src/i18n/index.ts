// vue-i18n with zh-CN (default) and en; en must have every key of zh-CN (checked by vue-tsc).
import { createI18n } from 'vue-i18n'
import en from './en'
import zhCN, { type Messages } from './zh-CN'

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]

export const i18n = createI18n<[Messages], Locale, false>({
  legacy: false,
  locale: 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
})

declare module 'vue-i18n' {
  export interface DefineLocaleMessage extends Messages {}
}

/** The label of a value the server names (a status, a trigger): its message under `group`, or the value. */
export function enumLabel(group: string, value: string): string {
  const key = `${group}.${value}`
  return i18n.global.te(key) ? i18n.global.t(key) : value
}

// The person's display choices, remembered in localStorage: language and light/dark theme.
import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { clientState } from '@/api/client'
import { i18n, type Locale, LOCALES } from '@/i18n'

const LANG_KEY = 'vwed.lang'
const THEME_KEY = 'vwed.theme'

function storedLocale(): Locale {
  const value = localStorage.getItem(LANG_KEY)
  return LOCALES.includes(value as Locale) ? (value as Locale) : 'zh-CN'
}

export const usePrefs = defineStore('prefs', () => {
  const locale = ref<Locale>(storedLocale())
  const dark = ref(localStorage.getItem(THEME_KEY) === 'dark')

  function apply(): void {
    i18n.global.locale.value = locale.value
    clientState.language = locale.value
    document.documentElement.lang = locale.value
    document.documentElement.classList.toggle('dark', dark.value)
  }

  watch(locale, (value) => {
    localStorage.setItem(LANG_KEY, value)
    apply()
  })
  watch(dark, (value) => {
    localStorage.setItem(THEME_KEY, value ? 'dark' : 'light')
    apply()
  })
  apply()
  return { locale, dark }
})

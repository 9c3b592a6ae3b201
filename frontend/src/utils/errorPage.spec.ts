import { beforeEach, describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ERROR_KEY, leaveErrorPage, readErrorDetails, showErrorPage } from './errorPage'

const Page = { template: '<div />' }

function makeRouter() {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: Page },
      { path: '/projects/:id?', component: Page },
      { path: '/scheduled-tasks/:id', component: Page },
      { path: '/error', name: 'error', component: Page },
    ],
  })
}

beforeEach(() => sessionStorage.clear())

describe('error page flow', () => {
  it('keeps the URL clean, passes details in sessionStorage and replaces the failed page', async () => {
    const router = makeRouter()
    await router.push('/projects')
    await router.push('/scheduled-tasks/99')
    await showErrorPage(router, { kind: 'not_found', message: '定时任务不存在: 99', status: 404 })
    expect(router.currentRoute.value.fullPath).toBe('/error')
    expect(readErrorDetails()).toEqual({ kind: 'not_found', message: '定时任务不存在: 99', status: 404, from: '/scheduled-tasks/99' })
    // replace, not push: Back goes to the page before the failed one, never to /error
    router.back()
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(router.currentRoute.value.fullPath).toBe('/projects')
  })

  it('goes back to the page it came from and forgets the details', async () => {
    const router = makeRouter()
    await router.push('/scheduled-tasks/7')
    await showErrorPage(router, { kind: 'server', message: 'boom', status: 500 })
    await leaveErrorPage(router, readErrorDetails())
    expect(router.currentRoute.value.fullPath).toBe('/scheduled-tasks/7')
    expect(sessionStorage.getItem(ERROR_KEY)).toBeNull()
  })

  it('refuses stored paths that would leave the app, and survives garbage', () => {
    sessionStorage.setItem(ERROR_KEY, JSON.stringify({ kind: 'server', message: 'x', from: '//evil.example' }))
    expect(readErrorDetails()?.from).toBe('/')
    sessionStorage.setItem(ERROR_KEY, '{not json')
    expect(readErrorDetails()).toBeNull()
  })
})

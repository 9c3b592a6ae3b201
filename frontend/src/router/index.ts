// Routes (history mode; the server answers index.html for each of them). Every page but sign-in and
// the error page needs a session.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useSession } from '@/stores/session'

export type NavKey =
  | 'projects'
  | 'services'
  | 'tasks'
  | 'channels'
  | 'secrets'
  | 'variables'
  | 'tenants'
  | 'system'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    nav?: NavKey
    bare?: boolean
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/projects' },
  { path: '/login', name: 'login', component: () => import('@/views/login/index.vue'), meta: { public: true, bare: true } },
  { path: '/error', name: 'error', component: () => import('@/views/error/index.vue'), meta: { public: true, bare: true } },
  {
    path: '/projects/:projectId(\\d+)?/:fileId(\\d+)?',
    name: 'projects',
    component: () => import('@/views/projects/index.vue'),
    meta: { nav: 'projects' },
  },
  { path: '/script-services', name: 'services', component: () => import('@/views/script-services/index.vue'), meta: { nav: 'services' } },
  { path: '/scheduled-tasks', name: 'tasks', component: () => import('@/views/scheduled-tasks/index.vue'), meta: { nav: 'tasks' } },
  {
    path: '/scheduled-tasks/:taskId(\\d+|new)',
    name: 'task-edit',
    component: () => import('@/views/scheduled-tasks/edit.vue'),
    meta: { nav: 'tasks' },
  },
  { path: '/notification-channels', name: 'channels', component: () => import('@/views/notification-channels/index.vue'), meta: { nav: 'channels' } },
  { path: '/secrets', name: 'secrets', component: () => import('@/views/secrets/index.vue'), meta: { nav: 'secrets' } },
  { path: '/variables', name: 'variables', component: () => import('@/views/variables/index.vue'), meta: { nav: 'variables' } },
  { path: '/tenants', name: 'tenants', component: () => import('@/views/tenants/index.vue'), meta: { nav: 'tenants' } },
  { path: '/system', name: 'system', component: () => import('@/views/system/index.vue'), meta: { nav: 'system' } },
  { path: '/:unknown(.*)*', name: 'not-found', component: () => import('@/views/error/index.vue'), meta: { public: true, bare: true } },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  const session = useSession()
  if (!session.checked) await session.refresh()
  if (to.meta.public) return true
  if (!session.signedIn) return { name: 'login', query: to.fullPath === '/projects' ? {} : { next: to.fullPath } }
  return true
})

import DashboardPage from './pages/DashboardPage.vue'
import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router'
import { queryClient } from './query'
import { keys } from './api/keys'
import { ApiError } from './api/client'
import { fetchSession } from './api/queries'
import type { SessionInfo } from './api/types'

/** The signed-in user, from the cache when fresh; null when nobody is signed in. */
export async function currentSession(): Promise<SessionInfo | null> {
  try {
    return await queryClient.fetchQuery({ queryKey: keys.session(), queryFn: fetchSession })
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null
    throw error
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: () => import('./pages/LoginPage.vue'), meta: { public: true } },
    { path: '/', name: 'home', component: () => import('./pages/HomePage.vue') },
    { path: '/apps/:appId', name: 'dashboard', component: DashboardPage },
    { path: '/apps/:appId/settings', name: 'settings', component: () => import('./pages/SettingsPage.vue') },
    {
      path: '/apps/:appId/conferences/:conferenceId',
      name: 'conference',
      component: () => import('./pages/ConferencePage.vue'),
    },
    // The link `services/get-url` hands out, as PeerMetrics does.
    { path: '/conference/:conferenceId', name: 'conference-link', component: () => import('./pages/ConferencePage.vue') },
    {
      path: '/apps/:appId/participants/:participantId',
      name: 'participant',
      component: () => import('./pages/ParticipantPage.vue'),
    },
    // PeerMetrics' participant link, which names no app.
    { path: '/participant/:participantId', name: 'participant-link', component: () => import('./pages/ParticipantPage.vue') },
    { path: '/:rest(.*)*', name: 'missing', component: () => import('./pages/MissingPage.vue') },
  ],
  // Back and Forward return to where the page was; a new page starts at its top. The
  // first page needs no scrolling, which would force a layout before it has painted.
  scrollBehavior: (to, from, saved) =>
    saved ?? (from.matched.length === 0 || to.path === from.path ? undefined : { top: 0 }),
})

/** Pages that load their data at once, without waiting for the session check. */
const DATA_PAGES = new Set(['dashboard', 'conference', 'conference-link', 'participant', 'participant-link'])

export function loginRoute(to: RouteLocationNormalized) {
  return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } }
}

router.beforeEach(async (to, from) => {
  // Where an in-app navigation starts, for `bench ui` (a page load starts at 0).
  if (from.matched.length) performance.mark('callvitals:navigation')
  if (to.meta.public) return true
  // The data pages do not wait for the session check: their own requests start beside
  // it, and a 401 from any of them sends the user to login (main.ts).
  if (DATA_PAGES.has(String(to.name)) && !queryClient.getQueryData(keys.session())) {
    currentSession()
      .then((session) => {
        const current = router.currentRoute.value
        if (!session && !current.meta.public) void router.replace(loginRoute(current))
      })
      .catch(() => {})
    return true
  }
  const session = await currentSession().catch(() => null)
  return session?.user || session?.operator ? true : loginRoute(to)
})

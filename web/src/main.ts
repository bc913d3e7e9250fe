import { createApp } from 'vue'
import { VueQueryPlugin } from '@tanstack/vue-query'
import App from './App.vue'
import { queryClient, restoreQueryCache, forgetQueryCache } from './query'
import { router, loginRoute } from './router'
import { whenUnauthenticated } from './api/client'
import './style.css'

// A session that ends while the page is open (idle timeout, logout elsewhere) sends
// the user to login, keeping where they were.
whenUnauthenticated(() => {
  forgetQueryCache()
  const current = router.currentRoute.value
  if (current.name !== 'login') void router.replace(loginRoute(current))
})

await restoreQueryCache()
createApp(App).use(VueQueryPlugin, { queryClient }).use(router).mount('#app')

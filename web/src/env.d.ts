/// <reference types="vite/client" />
declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}

interface ImportMetaEnv {
  readonly VITE_BUILD_ID?: string
}

declare module 'virtual:land-path' {
  /** The SVG path of the world's land (see src/charts/landPath.ts). */
  const path: string
  export default path
}

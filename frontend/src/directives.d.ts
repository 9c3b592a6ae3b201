// Element Plus registers v-loading globally (app.use(ElementPlus)) but declares only its components;
// this declares the directive for the template type check.
import type { vLoading } from 'element-plus'

declare module 'vue' {
  interface GlobalDirectives {
    vLoading: typeof vLoading
  }
}

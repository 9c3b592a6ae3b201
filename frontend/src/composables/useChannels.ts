// Notification channels, WeCom applications and the result preview (seed 004).
import { api, data, envelope } from '@/api/client'
import type { components } from '@/api/schema'

export type ChannelBody = components['schemas']['ChannelCreate']
export type ChannelChanges = components['schemas']['ChannelUpdate']
export type AppBody = components['schemas']['WecomAppCreate']
export type AppChanges = components['schemas']['WecomAppUpdate']

export const listChannels = () => data(api.GET('/api/notification-channels'))
export const createChannel = (body: ChannelBody) => envelope(api.POST('/api/notification-channels', { body }))
export const updateChannel = (id: number, body: ChannelChanges) =>
  envelope(api.PUT('/api/notification-channels/{channel_id}', { params: { path: { channel_id: id } }, body }))
export const deleteChannel = (id: number) =>
  envelope(api.DELETE('/api/notification-channels/{channel_id}', { params: { path: { channel_id: id } } }))
export const testChannel = (id: number) =>
  envelope(api.POST('/api/notification-channels/{channel_id}/test', { params: { path: { channel_id: id } }, body: {} }))

export const listApps = () => data(api.GET('/api/notification-channels/wecom-apps'))
export const createApp = (body: AppBody) => envelope(api.POST('/api/notification-channels/wecom-apps', { body }))
export const updateApp = (id: number, body: AppChanges) =>
  envelope(api.PUT('/api/notification-channels/wecom-apps/{app_id}', { params: { path: { app_id: id } }, body }))
export const deleteApp = (id: number) =>
  envelope(api.DELETE('/api/notification-channels/wecom-apps/{app_id}', { params: { path: { app_id: id } } }))
export const testApp = (id: number) =>
  envelope(api.POST('/api/notification-channels/wecom-apps/{app_id}/test', { params: { path: { app_id: id } } }))

export const checkResult = (result: Record<string, unknown>) =>
  data(api.POST('/api/notification-channels/check-result', { body: { result } }))

// Notification channels, WeCom applications and the result preview (seed 004).
import { api, data, envelope } from '@/api/client'
import type { Channel, ChannelType, MessagePreview, WecomApp } from '@/api/types'
import type { components } from '@/api/schema'

export type ChannelBody = components['schemas']['ChannelCreate']
export type AppBody = components['schemas']['WecomAppCreate']

export const CHANNEL_TYPES = ['dingtalk_bot', 'wecom_bot', 'apprise'] as const satisfies readonly ChannelType[]

export const listChannels = () => data<Channel[]>(api.GET('/api/notification-channels'))
export const createChannel = (body: ChannelBody) => envelope(api.POST('/api/notification-channels', { body }))
export const updateChannel = (id: number, body: ChannelBody) =>
  envelope(api.PUT('/api/notification-channels/{channel_id}', { params: { path: { channel_id: id } }, body }))
export const deleteChannel = (id: number) =>
  envelope(api.DELETE('/api/notification-channels/{channel_id}', { params: { path: { channel_id: id } } }))
export const testChannel = (id: number) =>
  envelope(api.POST('/api/notification-channels/{channel_id}/test', { params: { path: { channel_id: id } }, body: {} }))

export const listApps = () => data<WecomApp[]>(api.GET('/api/notification-channels/wecom-apps'))
export const createApp = (body: AppBody) => envelope(api.POST('/api/notification-channels/wecom-apps', { body }))
export const updateApp = (id: number, body: AppBody) =>
  envelope(api.PUT('/api/notification-channels/wecom-apps/{app_id}', { params: { path: { app_id: id } }, body }))
export const deleteApp = (id: number) =>
  envelope(api.DELETE('/api/notification-channels/wecom-apps/{app_id}', { params: { path: { app_id: id } } }))
export const testApp = (id: number) =>
  envelope(api.POST('/api/notification-channels/wecom-apps/{app_id}/test', { params: { path: { app_id: id } } }))

export const checkResult = (result: Record<string, unknown>) =>
  data<MessagePreview>(api.POST('/api/notification-channels/check-result', { body: { result } }))

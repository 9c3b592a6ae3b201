// The seed's log WebSocket (/api/script/ws/script-logs) under the cookie session: subscribe to one
// script (or "*"), replay recent lines (tail), reconnect after a drop. Lines reach the sink in one batch
// per animation frame, however fast they arrive.
import { onBeforeUnmount, ref, watch } from 'vue'
import { useBackend } from '@/stores/backend'
import { type LogLine, levelOf } from '@/utils/logStore'

/** Where the lines go (the panel's LogStore, and a counter of what the server had to drop). */
export interface LogSink {
  append(lines: LogLine[]): void
  clear(): void
  /** the server dropped `count` lines for this client because it fell behind */
  dropped(count: number): void
}

let counter = 0

export function socketUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  counter += 1
  return `${scheme}://${location.host}/api/script/ws/script-logs?client_id=ui-${Date.now()}-${counter}&client_type=web`
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

export function useLogSocket(target: () => string | null, tail: () => number, sink: LogSink) {
  const connected = ref(false)
  const backend = useBackend()
  let socket: WebSocket | null = null
  let pending: LogLine[] = []
  let frame = 0
  let seq = 0
  let closedByUs = false
  let retry: ReturnType<typeof setTimeout> | null = null

  function flush(): void {
    frame = 0
    if (!pending.length) return
    const batch = pending
    pending = []
    sink.append(batch)
  }

  function subscribe(): void {
    const id = target()
    if (!socket || socket.readyState !== WebSocket.OPEN || !id) return
    socket.send(JSON.stringify({ type: 'subscribe', script_id: id, tail: tail() }))
  }

  function onMessage(event: MessageEvent<string>): void {
    let message: unknown
    try {
      message = JSON.parse(event.data)
    } catch {
      return
    }
    if (!isRecord(message)) return
    if (message.type === 'welcome') {
      connected.value = true
      subscribe()
    } else if (message.type === 'script_log') {
      const text = String(message.message ?? '')
      const scriptId = String(message.script_id ?? '')
      seq += 1
      pending.push({
        seq,
        scriptId,
        timestamp: String(message.timestamp ?? ''),
        level: levelOf(String(message.level ?? 'INFO')),
        message: text,
        replay: message.replay === true,
        haystack: `${text}\n${scriptId}`.toLowerCase(),
      })
      if (!frame) frame = requestAnimationFrame(flush)
    } else if (message.type === 'dropped' && typeof message.count === 'number') {
      sink.dropped(message.count)
    }
  }

  function open(): void {
    closedByUs = false
    socket = new WebSocket(socketUrl())
    socket.onmessage = onMessage
    socket.onclose = () => {
      connected.value = false
      socket = null
      if (!closedByUs && !backend.down) retry = setTimeout(open, 2000)
    }
  }

  function close(): void {
    closedByUs = true
    if (retry) clearTimeout(retry)
    retry = null
    socket?.close()
    socket = null
  }

  function clear(): void {
    pending = []
    sink.clear()
  }

  /** Forget the shown lines and subscribe again (a new tail is replayed). */
  function resubscribe(): void {
    const id = target()
    if (socket && socket.readyState === WebSocket.OPEN && id) {
      socket.send(JSON.stringify({ type: 'unsubscribe', script_id: id }))
    }
    clear()
    subscribe()
  }

  watch(target, (_now, before) => {
    if (before && socket?.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: 'unsubscribe', script_id: before }))
    }
    clear()
    subscribe()
  })
  watch(
    () => backend.recoveries,
    () => {
      close()
      clear()
      open()
    },
  )
  open()
  onBeforeUnmount(() => {
    close()
    if (frame) cancelAnimationFrame(frame)
  })
  return { connected, resubscribe, clear }
}

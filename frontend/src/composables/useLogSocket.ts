// The seed's log WebSocket (/api/script/ws/script-logs) under the cookie session: subscribe to one
// script (or "*"), replay recent lines (tail), reconnect after a drop. Lines are batched per frame.
import { onBeforeUnmount, ref, shallowRef, triggerRef, watch } from 'vue'
import { useBackend } from '@/stores/backend'

export interface LogLine {
  seq: number
  scriptId: string
  timestamp: string
  level: string
  message: string
  replay: boolean
}

export const MAX_LINES = 200_000
let counter = 0

export function socketUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  counter += 1
  return `${scheme}://${location.host}/api/script/ws/script-logs?client_id=ui-${Date.now()}-${counter}&client_type=web`
}

export function useLogSocket(target: () => string | null, tail: () => number) {
  const lines = shallowRef<LogLine[]>([])
  const connected = ref(false)
  const statusEvents = ref(0)
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
    const all = lines.value
    for (const line of pending) all.push(line)
    if (all.length > MAX_LINES) all.splice(0, all.length - MAX_LINES)
    pending = []
    triggerRef(lines)
  }

  function add(line: LogLine): void {
    pending.push(line)
    if (!frame) frame = requestAnimationFrame(flush)
  }

  function subscribe(): void {
    const id = target()
    if (!socket || socket.readyState !== WebSocket.OPEN || !id) return
    socket.send(JSON.stringify({ type: 'subscribe', script_id: id, tail: tail() }))
  }

  function onMessage(event: MessageEvent<string>): void {
    let message: Record<string, unknown>
    try {
      message = JSON.parse(event.data) as Record<string, unknown>
    } catch {
      return
    }
    if (message.type === 'welcome') {
      connected.value = true
      subscribe()
    } else if (message.type === 'script_log') {
      seq += 1
      add({
        seq,
        scriptId: String(message.script_id ?? ''),
        timestamp: String(message.timestamp ?? ''),
        level: String(message.level ?? 'INFO').toUpperCase(),
        message: String(message.message ?? ''),
        replay: message.replay === true,
      })
    } else if (message.type === 'script_status') {
      statusEvents.value += 1
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

  /** Forget the shown lines and subscribe again (a new tail is replayed). */
  function resubscribe(): void {
    const id = target()
    if (socket && socket.readyState === WebSocket.OPEN && id) {
      socket.send(JSON.stringify({ type: 'unsubscribe', script_id: id }))
    }
    clear()
    subscribe()
  }

  function clear(): void {
    pending = []
    lines.value = []
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
  return { lines, connected, statusEvents, resubscribe, clear }
}

// Save text the page already holds as a file (a log, a script), without a round trip to the server.

export function downloadText(text: string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.click()
  // the click has started the download by then; the object URL is no longer needed
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

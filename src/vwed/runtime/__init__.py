"""User processes: script services and sandboxed task runs, each a child forked from a zygote.

`vwed.runtime.child` is the side that runs user code (standard library only, shared with the host for
the wire protocol and the sandbox options); the rest is the host side: `framing` (the host's wire),
`launcher` (zygote and spawn), `layers` (probe and uids), `process` (one service), `registry`, `tasks`
(task runs). Other features use `vwed.runtime.service`.
"""

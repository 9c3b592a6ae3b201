"""The side of the runtime that runs user code: every module here imports only the standard library.

Children run under `python -I -S` (isolated, no site-packages), so nothing outside this package and the
standard library is importable there. The package is loaded twice under two names:

- in a child, `__main__.py` loads it by path as the top-level package `vwed_child` and starts the zygote
  (or one child directly);
- in the host, it is the ordinary `vwed.runtime.child`, so the host uses the very same wire protocol,
  sandbox options and SDK reference as the children.

Modules refer to each other only with relative imports, which work under both names.

| module | job |
| --- | --- |
| `wire` | frames: length prefix, size and nesting caps, encoding errors |
| `sandbox` | the layers L0-L3 applied in a child before user code runs, and their probe |
| `zygote` | the pre-warmed process that forks children, and the entry of a spawned child |
| `service` | the script-service child: event loop, handlers, `boot()`, timers, heartbeats |
| `vwed` | the `VWED` object a service script sees |
| `task` | the task-run child: one run of a scheduled script |
| `sdk` | the functions a task script sees (`log`, `http_get`, `get_secret`, ...) |
"""

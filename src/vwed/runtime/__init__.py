"""Script-service runtime: child processes forked from a zygote, framed messages, and the registry.

`vwed.runtime.child` is the side that runs user code (standard library only); the rest is the host side.
Other features use `vwed.runtime.service`.
"""

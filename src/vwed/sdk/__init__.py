"""The task-script SDK on the host: the broker of SDK calls, the script runner, deps, and its docs."""

"""User-facing messages: the seed's Chinese wording by default, English for `Accept-Language: en`."""

from __future__ import annotations

from typing import Any, Literal

Lang = Literal["zh", "en"]

MESSAGES: dict[str, tuple[str, str]] = {
    # generic
    "internal_error": ("服务器内部错误", "Internal server error"),
    "bad_request": ("请求参数错误", "Bad request"),
    "validation_failed": ("请求参数验证失败", "Request validation failed"),
    "unauthorized": ("未认证:缺少或无效的访问令牌", "Unauthorized: missing or invalid bearer token"),
    "forbidden": ("无权执行此操作", "Forbidden"),
    "not_found": ("资源不存在", "Resource not found"),
    "route_not_found": ("接口不存在: {path}", "No such endpoint: {path}"),
    "method_not_allowed": ("不支持的请求方法: {method}", "Method not allowed: {method}"),
    "conflict": ("资源冲突", "Conflict"),
    "unavailable": ("服务不可用", "Service unavailable"),
    "payload_too_large": (
        "内容过大: {size} 字节,上限 {limit} 字节",
        "Content too large: {size} bytes, the limit is {limit} bytes",
    ),
    "invalid_json": ("请求体不是有效的JSON", "The request body is not valid JSON"),
    "egress_denied": (
        "出站地址被安全策略拒绝: {host} ({address}),如需访问请由管理员加入 VWED_EGRESS_ALLOW",
        "Destination refused by the egress policy: {host} ({address}); "
        "an admin can allow it in VWED_EGRESS_ALLOW",
    ),
    "invalid_url": (
        "无效的URL(需要 http 或 https 地址): {url}",
        "Invalid URL (an http or https URL is needed): {url}",
    ),
    # projects
    "project_created": ("项目 {name} 创建成功", "Project {name} created"),
    "project_updated": ("项目 {name} 更新成功", "Project {name} updated"),
    "project_archived": ("项目 {name} 已归档", "Project {name} archived"),
    "project_not_found": ("项目不存在: {project_id}", "Project not found: {project_id}"),
    "project_exists": ("项目名称已存在: {name}", "A project named {name} already exists"),
    "project_archived_readonly": (
        "项目 {name} 已归档,无法修改其文件",
        "Project {name} is archived; its files cannot be changed",
    ),
    # files
    "file_created": ("文件 {name} 创建成功", "File {name} created"),
    "file_updated": ("文件内容更新成功", "File content updated"),
    "file_deleted": ("文件 {name} 删除成功", "File {name} deleted"),
    "file_uploaded": ("文件上传成功", "File uploaded"),
    "file_restored": (
        "文件 {name} 已恢复到版本 {version}",
        "File {name} restored to version {version}",
    ),
    "file_not_found": ("文件不存在: {file_id}", "File not found: {file_id}"),
    "file_exists": (
        "文件路径已存在: {path}(项目 {project})",
        "File path {path} already exists in project {project}",
    ),
    "version_not_found": (
        "文件 {file_id} 没有版本 {version}",
        "File {file_id} has no version {version}",
    ),
    "upload_not_utf8": ("上传的文件不是UTF-8文本: {name}", "The uploaded file is not UTF-8 text: {name}"),
    "upload_no_name": ("上传的文件缺少文件名", "The uploaded file has no name"),
    "syntax_ok": ("语法检查通过", "Syntax check passed"),
    "syntax_error": ("语法错误: {msg}", "Syntax error: {msg}"),
    # field rules (used in the `detail` list of a 400)
    "field_required": ("必填字段", "Field required"),
    "field_too_long": ("长度不能超过 {limit} 个字符", "Must be at most {limit} characters"),
    "field_empty": ("不能为空", "Must not be empty"),
    "path_absolute": ("不能是绝对路径", "Must be a relative path"),
    "path_parent": ("不能包含 '..' 路径段", "Must not contain '..' segments"),
    "path_backslash": ("不能包含反斜杠", "Must not contain backslashes"),
    "path_control": ("不能包含控制字符或NUL", "Must not contain control characters or NUL"),
    "path_empty_segment": ("不能包含空路径段或 '.'", "Must not contain empty or '.' segments"),
    "name_has_slash": ("不能包含 '/'", "Must not contain '/'"),
    # scripts (script services)
    "script_started": (
        "脚本服务启动成功,已注册 {apis} 个接口,{functions} 个函数,{events} 个事件监听器",
        "Script service started: {apis} APIs, {functions} functions, {events} event listeners registered",
    ),
    "script_stopped": (
        "脚本服务已停止 ({name}),已清理 {apis} 个接口、{functions} 个函数、{events} 个事件监听器",
        "Script service stopped ({name}): removed {apis} APIs, {functions} functions, "
        "{events} event listeners",
    ),
    "script_file_missing": ("脚本文件不存在: {path}", "Script file not found: {path}"),
    "script_path_ambiguous": (
        "脚本路径不唯一: {path},候选: {candidates}",
        "Script path {path} is ambiguous; candidates: {candidates}",
    ),
    "script_load_failed": ("脚本加载失败: {error}", "Failed to load the script: {error}"),
    "script_no_boot": ("脚本缺少boot()入口函数", "The script has no boot() entry function"),
    "script_boot_failed": ("脚本启动失败: {error}", "boot() failed: {error}"),
    "script_boot_timeout": (
        "脚本启动超时: boot() 在 {seconds} 秒内未完成",
        "boot() did not finish within {seconds} seconds",
    ),
    "script_exited": ("脚本进程已退出: {reason}", "The script process exited: {reason}"),
    "script_not_found": ("脚本服务不存在: {script_id}", "No such script service: {script_id}"),
    "script_not_running": (
        "脚本 {script_id} 未运行,无法执行函数",
        "Script {script_id} is not running; the function cannot be executed",
    ),
    "function_not_registered": ("函数 {name} 未注册", "Function {name} is not registered"),
    "route_taken": (
        "接口 {name} 已被脚本 {owner} 注册",
        "The API {name} is already registered by script {owner}",
    ),
    "function_taken": (
        "函数 {name} 已被脚本 {owner} 注册",
        "The function {name} is already registered by script {owner}",
    ),
    "call_timeout": ("执行超时: 超过 {seconds} 秒未完成", "Timed out after {seconds} seconds"),
    "call_failed": ("执行失败: {error}", "Execution failed: {error}"),
    "script_running_status": ("脚本启动成功", "Script started"),
    "script_stopped_status": ("脚本已停止", "Script stopped"),
    "script_sandbox_refused": (
        "租户脚本需要比 L0 更强的沙箱,本节点只有 L0;管理员可设置 VWED_ALLOW_L0_TENANT_SCRIPTS=true 放行",
        "Tenant scripts need a sandbox stronger than L0, and this node only has L0; "
        "an admin can allow it with VWED_ALLOW_L0_TENANT_SCRIPTS=true",
    ),
    "script_unresponsive": (
        "脚本无响应: {seconds} 秒未收到心跳(事件循环可能被阻塞)",
        "The script is unresponsive: no heartbeat for {seconds} s (its event loop may be blocked)",
    ),
    "script_responsive": ("脚本恢复响应", "The script responds again"),
    "script_restarting": (
        "脚本将在 {seconds} 秒后重启 (第 {attempt} 次)",
        "Restarting the script in {seconds} s (attempt {attempt})",
    ),
}


def negotiate(accept_language: str | None) -> Lang:
    """Pick the response language from an `Accept-Language` header; Chinese unless English comes first."""
    if not accept_language:
        return "zh"
    for part in accept_language.split(","):
        tag = part.split(";", 1)[0].strip().lower()
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh") or tag == "*":
            return "zh"
    return "zh"


def translate(key: str, lang: Lang = "zh", **params: Any) -> str:
    """Render message `key` in `lang`, substituting `params`; an unknown key renders as itself."""
    zh, en = MESSAGES.get(key, (key, key))
    template = en if lang == "en" else zh
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template

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
    # scheduler
    "task_created": ("定时任务 {name} 创建成功", "Scheduled task {name} created"),
    "task_updated": ("定时任务 {name} 更新成功", "Scheduled task {name} updated"),
    "task_deleted": ("定时任务 {name} 已删除", "Scheduled task {name} deleted"),
    "task_enabled": ("定时任务 {name} 已启用", "Scheduled task {name} enabled"),
    "task_disabled": ("定时任务 {name} 已禁用", "Scheduled task {name} disabled"),
    "task_run_queued": ("任务已加入执行队列", "The run is queued"),
    "task_not_found": ("定时任务不存在: {task_id}", "Scheduled task not found: {task_id}"),
    "task_webhook_required": (
        "webhook_url 不能为空: Webhook 类型的任务必须填写回调地址",
        "webhook_url is required for a webhook task",
    ),
    "task_script_required": (
        "script_content 不能为空: 脚本类型的任务必须填写脚本内容",
        "script_content is required for a script task",
    ),
    "task_bad_url": ("{field} 不是有效的 http(s) 地址: {url}", "{field} is not a valid http(s) URL: {url}"),
    "task_alert_webhook_required": (
        "alert_webhook 不能为空: 开启失败告警时必须填写告警地址",
        "alert_webhook is required when alert_on_failure is on",
    ),
    "task_tenant_forbidden": ("tenant_id 只能由管理员指定", "Only an admin may set tenant_id"),
    "schedule_bad_timezone": (
        "timezone 无效: 未知时区 {value}",
        "timezone is invalid: unknown timezone {value}",
    ),
    "schedule_bad_time_point": (
        "time_points 无效: {value}(格式应为 HH:MM 或 HH:MM:SS)",
        "time_points is invalid: {value} (expected HH:MM or HH:MM:SS)",
    ),
    "schedule_points_required": ("time_points 不能为空", "time_points must not be empty"),
    "schedule_cron_required": ("cron_expression 不能为空", "cron_expression is required"),
    "schedule_bad_cron": (
        "cron_expression 无效: {value}(支持5段或带秒的6段)",
        "cron_expression is invalid: {value} (5 fields, or 6 with seconds first)",
    ),
    "schedule_bad_type": ("schedule_type 无效: {value}", "schedule_type is invalid: {value}"),
    "script_runtime_unavailable": (
        "脚本执行功能尚未启用,无法执行脚本",
        "Script execution is not available on this server",
    ),
    "run_succeeded": ("执行成功", "Succeeded"),
    "run_missed": (
        "错过执行:计划时间已超过宽限期 {grace} 秒(服务停机期间),此前的时间点均已跳过",
        "Missed: the due time is older than the {grace} s grace period (server was down); "
        "earlier due times were skipped too",
    ),
    "run_skipped": ("已跳过:上一次执行仍在进行中", "Skipped: the previous run is still in progress"),
    "run_reaped": (
        "执行中断:执行节点已停止响应超过 {seconds} 秒",
        "Interrupted: the node running it stopped responding for {seconds} s",
    ),
    "run_interrupted": ("执行中断:服务正在停止", "Interrupted: the server is shutting down"),
    "run_type_unavailable": (
        "执行类型 {type} 当前不可用(脚本执行功能尚未启用)",
        "Execution type {type} is not available (script execution is not enabled)",
    ),
    "run_timeout": ("执行超时({seconds} 秒)", "Timed out after {seconds} s"),
    "run_crashed": ("执行出错: {reason}", "Run failed: {reason}"),
    "run_webhook_timeout": ("Webhook 请求超时({seconds} 秒)", "Webhook request timed out after {seconds} s"),
    "run_webhook_network": ("Webhook 请求失败: {reason}", "Webhook request failed: {reason}"),
    "run_webhook_status": ("Webhook 返回 HTTP {status}: {body}", "Webhook answered HTTP {status}: {body}"),
    "alert_title": ("定时任务执行失败: {name}", "Scheduled task failed: {name}"),
    "alert_text": (
        "任务 {name}(ID {task_id})在重试 {retries} 次后仍然失败。\n\n错误: {error}\n\nTrace ID: {trace_id}",
        "Task {name} (id {task_id}) still failed after {retries} retries.\n\nError: {error}\n\n"
        "Trace ID: {trace_id}",
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

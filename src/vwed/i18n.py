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
    # logs
    "ws_welcome": ("连接建立成功", "Connected"),
    "ws_not_json": ("消息格式错误: 需要JSON对象", "Malformed message: a JSON object is expected"),
    "ws_unknown_type": ("未知的消息类型: {kind}", "Unknown message type: {kind}"),
    "ws_script_id_required": ("缺少 script_id", "script_id is required"),
    "ws_bad_tail": ("tail 必须是 0 到 {limit} 之间的整数", "tail must be an integer from 0 to {limit}"),
    "ws_bad_since": ("since 必须是 ISO 8601 时间", "since must be an ISO 8601 time"),
    "ws_broadcast_sent": (
        "测试消息已广播到脚本 {script_id} 的订阅者",
        "Test message broadcast to the subscribers of script {script_id}",
    ),
    "log_flood_started": (
        "日志输出过快(超过每秒 {count} 行),多余的行将被丢弃",
        "Log output too fast (over {count} lines per second); extra lines are dropped",
    ),
    "log_flood_ended": (
        "日志限流结束,共丢弃 {count} 行",
        "Log rate limit lifted; {count} lines were dropped",
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

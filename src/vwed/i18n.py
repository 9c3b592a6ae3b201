"""User-facing messages: the seed's Chinese wording by default, English for `Accept-Language: en`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    "invalid_body": ("无法解析请求体", "The request body could not be parsed"),
    "http_error": ("请求失败 (HTTP {status})", "Request failed (HTTP {status})"),
    "json_too_deep": ("嵌套层数超过 {limit} 层", "Nested more than {limit} levels deep"),
    "json_int_range": (
        "整数超出范围 (-2^63 到 2^63-1)",
        "Integer out of range (-2^63 to 2^63-1)",
    ),
    "json_not_finite": ("不支持 NaN 或 Infinity", "NaN and Infinity are not supported"),
    "field_bad_text": (
        "不能包含NUL字符或无效的Unicode",
        "Must not contain NUL characters or invalid Unicode",
    ),
    "url_bad_text": (
        "地址或查询参数不能包含NUL字符",
        "The path and query must not contain NUL characters",
    ),
    "egress_denied": (
        "出站地址被安全策略拒绝: {host} ({address}),如需访问请由管理员加入 VWED_EGRESS_ALLOW",
        "Destination refused by the egress policy: {host} ({address}); "
        "an admin can allow it in VWED_EGRESS_ALLOW",
    ),
    "http_too_large": (
        "HTTP 响应超过 {cap} 字节上限 (size cap)",
        "The HTTP response exceeds {cap} bytes (size cap)",
    ),
    "http_timeout": ("HTTP 请求超时 ({seconds} 秒)", "The HTTP request timed out ({seconds} s)"),
    "http_failed": ("HTTP 请求失败: {error}", "The HTTP request failed: {error}"),
    "invalid_url": (
        "无效的URL(需要 http 或 https 地址): {url}",
        "Invalid URL (an http or https URL is needed): {url}",
    ),
    # browser sessions
    "csrf_failed": (
        "CSRF 校验失败: 请求缺少有效的 X-CSRF-Token 请求头",
        "CSRF check failed: the request lacks a valid X-CSRF-Token header",
    ),
    "origin_refused": ("来源不被允许: {origin}", "Origin not allowed: {origin}"),
    "signed_in": ("登录成功", "Signed in"),
    "signed_out": ("已退出登录", "Signed out"),
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
    "field_too_long": ("长度不能超过 {max_length} 个字符", "Must be at most {max_length} characters"),
    "field_too_short": ("长度不能少于 {min_length} 个字符", "Must be at least {min_length} characters"),
    "field_too_many": ("最多 {max_length} 项", "At most {max_length} items"),
    "field_too_few": ("至少需要 {min_length} 项", "At least {min_length} items are needed"),
    "field_string": ("应为字符串", "Must be a string"),
    "field_int": ("应为整数", "Must be an integer"),
    "field_number": ("应为数字", "Must be a number"),
    "field_bool": ("应为布尔值 (true / false)", "Must be a boolean (true / false)"),
    "field_object": ("应为对象 (JSON object)", "Must be an object (JSON object)"),
    "field_list": ("应为列表 (JSON array)", "Must be a list (JSON array)"),
    "field_choice": ("应为以下之一: {expected}", "Must be one of: {expected}"),
    "field_ge": ("不能小于 {ge}", "Must be at least {ge}"),
    "field_gt": ("应大于 {gt}", "Must be greater than {gt}"),
    "field_le": ("不能大于 {le}", "Must be at most {le}"),
    "field_lt": ("应小于 {lt}", "Must be less than {lt}"),
    "field_pattern": ("格式不正确 (应匹配 {pattern})", "Malformed (must match {pattern})"),
    "field_datetime": ("应为 ISO 8601 时间", "Must be an ISO 8601 time"),
    "field_invalid": ("取值无效", "Invalid value"),
    "field_time_range": (
        "时间应在 {first} 至 {last} 年之间",
        "The time must be between the years {first} and {last}",
    ),
    "field_unknown_level": (
        "未知的日志级别: {value}(可选 {levels})",
        "Unknown log level: {value} (one of {levels})",
    ),
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
    # scheduler
    "task_created": ("定时任务 {name} 创建成功", "Scheduled task {name} created"),
    "task_updated": ("定时任务 {name} 更新成功", "Scheduled task {name} updated"),
    "task_deleted": ("定时任务 {name} 已删除", "Scheduled task {name} deleted"),
    "task_enabled": ("定时任务 {name} 已启用", "Scheduled task {name} enabled"),
    "task_disabled": ("定时任务 {name} 已禁用", "Scheduled task {name} disabled"),
    "task_run_queued": ("任务已加入执行队列", "The run is queued"),
    "task_var_not_found": ("变量不存在: {name}", "No such variable: {name}"),
    "task_var_deleted": ("变量 {name} 已删除", "Variable {name} deleted"),
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
    "task_script_syntax": (
        "script_content 语法错误: {msg}(第 {line} 行)",
        "script_content has a syntax error: {msg} (line {line})",
    ),
    "task_alert_webhook_required": (
        "alert_webhook 不能为空: 开启失败告警时必须填写告警地址",
        "alert_webhook is required when alert_on_failure is on",
    ),
    "tenant_id_forbidden": (
        "tenant_id 无效: 租户令牌只能在自己的租户中创建 (收到 {tenant_id})",
        "tenant_id is invalid: a tenant token creates only in its own tenant (got {tenant_id})",
    ),
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
    "schedule_cron_never": (
        "cron_expression 永远不会触发: {value}(没有任何月份有这一天)",
        "cron_expression never fires: {value} (no month has that day)",
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
    # notify
    "secret_unreadable": (
        "已保存的密钥无法解密(VWED_SECRET_KEY 或 secret.key 已更换?)",
        "A stored secret cannot be decrypted (was VWED_SECRET_KEY or secret.key changed?)",
    ),
    "notify_invalid_result": ("result 字段 {field} 无效: {reason}", "Invalid result field {field}: {reason}"),
    "notify_result_unsendable": (
        "result 无法发送到 {channel_types}: 字段 {field} 无效: {reason}",
        "The result cannot be sent to {channel_types}: invalid field {field}: {reason}",
    ),
    "notify_channel_problem": ("{channel_type}: {reason}", "{channel_type}: {reason}"),
    "notify_render_failed": ("消息生成失败: {error}", "The message could not be built: {error}"),
    "notify_deliver_failed": ("推送失败: {error}", "Delivery failed: {error}"),
    "result_object_list": ("应为对象列表", "Must be a list of objects"),
    "result_string_list": ("应为字符串列表", "Must be a list of strings"),
    "result_not_base64": ("不是有效的 base64", "Not valid base64"),
    "result_empty": ("内容为空", "Empty"),
    "result_too_big": ("超过 {limit} 字节上限", "Over the limit of {limit} bytes"),
    "result_msg_type": ("不支持的消息类型 {value}", "Unsupported message type {value}"),
    "result_card_link": (
        "模板卡片需要跳转地址: 请填写 url,或 card_action 的 url / appid",
        "A template card needs a link: give url, or card_action's url / appid",
    ),
    "result_jump_url": ("type 为 1 时必须填写 url", "url is required when type is 1"),
    "result_jump_appid": ("type 为 2 时必须填写 appid", "appid is required when type is 2"),
    "result_jump_type": (
        "应为 1 (跳转 url) 或 2 (打开小程序 appid)",
        "Must be 1 (open url) or 2 (open the mini program appid)",
    ),
    "result_feed_pic": (
        "钉钉 feedCard 的每条链接都需要图片 pic_url",
        "Every link of a DingTalk feedCard needs a picture (pic_url)",
    ),
    "notify_default_title": ("通知", "Notification"),
    "notify_image_placeholder": ("(图片)", "(image)"),
    "notify_file_label": ("**文件**: {name}", "**File**: {name}"),
    "notify_test_title": ("VWED 通知渠道测试", "VWED notification channel test"),
    "notify_test_text": (
        "这是一条来自 VWED 的测试消息。\n\n渠道: {name}\n\n时间: {now} UTC",
        "This is a test message from VWED.\n\nChannel: {name}\n\nTime: {now} UTC",
    ),
    "notify_app_test_text": (
        "{title}\n应用: {name}\n时间: {now} UTC",
        "{title}\nApplication: {name}\nTime: {now} UTC",
    ),
    "notify_channel_not_found": (
        "通知渠道不存在: {channel_id}",
        "Notification channel not found: {channel_id}",
    ),
    "notify_channel_disabled": ("通知渠道已停用: {name}", "Notification channel is disabled: {name}"),
    "notify_channel_exists": ("通知渠道名称已存在: {name}", "A channel named {name} already exists"),
    "notify_channel_created": ("通知渠道 {name} 创建成功", "Notification channel {name} created"),
    "notify_channel_updated": ("通知渠道 {name} 更新成功", "Notification channel {name} updated"),
    "notify_channel_deleted": ("通知渠道 {name} 已删除", "Notification channel {name} deleted"),
    "notify_app_not_found": ("企微应用不存在: {app_id}", "WeCom application not found: {app_id}"),
    "notify_app_disabled": ("企微应用已停用: {name}", "WeCom application is disabled: {name}"),
    "notify_app_created": ("企微应用 {name} 创建成功", "WeCom application {name} created"),
    "notify_app_updated": ("企微应用 {name} 更新成功", "WeCom application {name} updated"),
    "notify_app_deleted": ("企微应用 {name} 已删除", "WeCom application {name} deleted"),
    "notify_app_no_receiver": (
        "企微应用 {name} 未指定接收人(touser / toparty)",
        "WeCom application {name} has no receivers (touser / toparty)",
    ),
    "notify_invalid_webhook": ("{channel_type} 的地址无效: {reason}", "Invalid {channel_type} URL: {reason}"),
    "notify_secret_not_allowed": (
        "只有钉钉机器人支持加签密钥 sign_secret",
        "Only DingTalk robots take a signing secret (sign_secret)",
    ),
    "notify_test_sent": (
        "测试消息发送成功,机器人回复: {answer}",
        "Test message sent; the robot answered: {answer}",
    ),
    "notify_test_failed": ("测试消息发送失败: {reason}", "Test message failed: {reason}"),
    "notify_failed": ("消息发送失败", "Message delivery failed"),
    "notify_network": (
        "网络错误({error}),已按退避策略重试",
        "Network error ({error}), retried with backoff",
    ),
    "notify_http_status": ("HTTP {status}: {body}", "HTTP {status}: {body}"),
    "notify_robot_error": ("机器人返回错误 {code}: {errmsg}", "The robot answered error {code}: {errmsg}"),
    "notify_dingtalk_sign": (
        "钉钉签名或关键词校验失败(310000):请检查加签密钥、自定义关键词或IP白名单。机器人回复: {errmsg}",
        "DingTalk rejected the signature or keyword (310000): check the signing secret, the custom "
        "keywords or the IP allow-list. The robot answered: {errmsg}",
    ),
    "notify_invalid_token": (
        "机器人地址无效(access_token 或 key 不存在/已失效,{code}): {errmsg}",
        "Invalid robot address (the access_token or key does not exist or was revoked, {code}): {errmsg}",
    ),
    "notify_rate_limited": (
        "发送过于频繁,机器人限流({code}): {errmsg}",
        "Sending too fast, the robot rate-limited us ({code}): {errmsg}",
    ),
    "notify_too_long": (
        "消息内容超过机器人长度上限({code}): {errmsg}",
        "The message exceeds the robot's length limit ({code}): {errmsg}",
    ),
    "notify_robot_disabled": ("机器人已停用({code}): {errmsg}", "The robot is disabled ({code}): {errmsg}"),
    "notify_wecom_token": (
        "企微 access_token 无效或过期({code}): {errmsg}",
        "WeCom access_token invalid or expired ({code}): {errmsg}",
    ),
    "notify_wecom_secret": (
        "企微应用 Secret 错误({code}): {errmsg}",
        "Wrong WeCom application secret ({code}): {errmsg}",
    ),
    "notify_wecom_corp": ("企微 corp_id 无效({code}): {errmsg}", "Invalid WeCom corp_id ({code}): {errmsg}"),
    "notify_wecom_ip": (
        "服务器IP不在企微应用的可信IP列表中({code}): {errmsg}",
        "This server's IP is not among the WeCom application's trusted IPs ({code}): {errmsg}",
    ),
    "notify_wecom_no_receiver": (
        "企微接收人无效或不在应用可见范围({code}): {errmsg}",
        "WeCom receivers are invalid or outside the application's visibility ({code}): {errmsg}",
    ),
    "notify_wecom_gettoken": (
        "获取企微 access_token 失败: {reason}",
        "Could not get a WeCom access_token: {reason}",
    ),
    "notify_apprise_invalid": (
        "Apprise 无法识别该通知地址",
        "Apprise does not recognise this notification URL",
    ),
    "notify_apprise_local": (
        "不允许本机通知方式 {scheme}://",
        "Local notification schemes are not allowed: {scheme}://",
    ),
    "notify_apprise_failed": ("Apprise 发送失败: {detail}", "Apprise could not deliver: {detail}"),
    "notify_converted": (
        "消息格式 {original} 在 {channel_type} 不可用,已转换为 {msg_type}",
        "Format {original} is not available on {channel_type}; sent as {msg_type}",
    ),
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
        "租户脚本需要 L2 (Landlock + seccomp) 或 L3 (命名空间) 沙箱,本节点不具备;"
        "管理员可设置 VWED_ALLOW_L0_TENANT_SCRIPTS=true 放行",
        "Tenant scripts need the L2 (Landlock + seccomp) or L3 (namespaces) sandbox and this node has "
        "neither; an admin can allow them with VWED_ALLOW_L0_TENANT_SCRIPTS=true",
    ),
    "script_sandbox_failed": ("沙箱启动失败: {error}", "The sandbox could not be set up: {error}"),
    "call_unsendable": ("参数无法发送给脚本: {error}", "The arguments cannot be sent to the script: {error}"),
    "script_http_bad_request": ("VWED.http 参数错误: {error}", "Bad VWED.http arguments: {error}"),
    "script_http_busy": (
        "VWED.http 同时进行的请求过多 (上限 {limit})",
        "Too many VWED.http requests in flight (limit {limit})",
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
    # task scripts (sandboxed runs, SDK, secrets, tenants)
    "task_run_timeout": (
        "运行超时: 超过 {seconds} 秒,已终止整个进程组 (timeout limit)",
        "Run timed out after {seconds} s; its process group was killed (timeout limit)",
    ),
    "task_run_memory": (
        "内存超出限制 ({mb} MB): MemoryError (memory limit)",
        "Memory limit ({mb} MB) exceeded: MemoryError (memory limit)",
    ),
    "task_run_output": (
        "输出超出限制 ({kb} KB),已终止整个进程组 (output limit)",
        "Output exceeded {kb} KB; the process group was killed (output limit)",
    ),
    "task_run_cpu": ("CPU 时间超出限制,进程被终止 (cpu limit)", "CPU time limit exceeded (cpu limit)"),
    "task_run_sandbox": ("沙箱启动失败,运行已拒绝: {reason}", "The sandbox could not be set up: {reason}"),
    "task_run_crash": ("脚本进程异常退出: {reason}", "The script process died: {reason}"),
    "task_run_error_line": ("第 {line} 行: {error}", "line {line}: {error}"),
    "task_result_not_dict": ("result 必须是字典 (dict),收到 {kind}", "result must be a dict, not {kind}"),
    "task_deps_failed": ("依赖安装失败:\n{log}", "Installing script_deps failed:\n{log}"),
    "task_sandbox_too_weak": (
        "此机器仅有 L0 沙箱,租户脚本默认拒绝运行 (VWED_TASK_ALLOW_L0_FOR_TENANTS)",
        "Only the L0 sandbox is available; tenant scripts are refused (VWED_TASK_ALLOW_L0_FOR_TENANTS)",
    ),
    "sdk_unknown_function": ("未知的 SDK 函数 {name}", "unknown SDK function {name}"),
    "sdk_bad_arguments": ("{name}: {error}", "{name}: {error}"),
    "sdk_ai_unconfigured": (
        "ai(): 平台未配置 AI 接口 (VWED_AI_BASE_URL)",
        "ai(): no AI endpoint is configured (VWED_AI_BASE_URL)",
    ),
    "sdk_ai_status": (
        "ai(): AI 接口返回 HTTP {status}: {error}",
        "ai(): the AI endpoint answered HTTP {status}: {error}",
    ),
    "sdk_ai_failed": ("ai(): AI 接口调用失败: {error}", "ai(): calling the AI endpoint failed: {error}"),
    "sdk_http_too_big": (
        "HTTP 响应超过 {limit} 字节上限 (size cap)",
        "The HTTP response exceeds {limit} bytes (size cap)",
    ),
    "sdk_http_timeout": ("HTTP 请求超时 ({seconds} 秒)", "The HTTP request timed out ({seconds} s)"),
    "sdk_http_failed": ("HTTP 请求失败: {error}", "The HTTP request failed: {error}"),
    "sdk_vars_too_many": (
        "set_var: 每个任务最多 {limit} 个变量 (VWED_TASK_VARS_MAX),请先 del_var 不再需要的变量",
        "set_var: at most {limit} variables per task (VWED_TASK_VARS_MAX); del_var the ones no longer needed",
    ),
    "deps_needs_root": (
        "依赖安装需要隔离的安装环境: 服务器须以 root 运行 (the install jail needs root)",
        "installing dependencies needs the install jail: the server must run as root",
    ),
    "sdk_var_too_big": (
        "set_var: 键最长 200 字符,值最大 {limit} 字节",
        "set_var: keys are at most 200 characters, values at most {limit} bytes",
    ),
    "db_query_read_only": (
        "db_query 只允许只读查询 (SELECT): 不能写入数据库 / read-only: writes are refused",
        "db_query runs read-only queries (SELECT) only: writes are refused",
    ),
    "db_query_no_tables": (
        "db_query: 管理员尚未开放任何表 (VWED_DB_QUERY_TABLES)",
        "db_query: an admin has exposed no tables yet (VWED_DB_QUERY_TABLES)",
    ),
    "db_query_timeout": ("db_query 超时 ({seconds} 秒)", "db_query timed out ({seconds} s)"),
    "db_query_not_exposed": (
        "db_query: 表 {table} 未开放给脚本 (not exposed)",
        "db_query: table {table} is not exposed to scripts",
    ),
    "db_query_failed": ("db_query 失败: {error}", "db_query failed: {error}"),
    "db_query_too_big": (
        "db_query: 结果超过 {limit} 字节上限,请缩小查询 (size cap)",
        "db_query: the result passes the {limit}-byte cap; narrow the query (size cap)",
    ),
    "db_query_too_many_rows": (
        "db_query: 结果超过 {limit} 行上限,请加 LIMIT (row cap)",
        "db_query: more than {limit} rows; add a LIMIT (row cap)",
    ),
    "deps_cached": ("依赖已安装 (cached): {requirements}", "Dependencies installed (cached): {requirements}"),
    "deps_timeout": ("依赖安装超时 ({seconds} 秒)", "Installing dependencies timed out ({seconds} s)"),
    "event_call_timeout": ("事件 {event}: {error}", "Event {event}: {error}"),
    "event_label": ("事件 {event}", "event {event}"),
    "delivery_line": ("推送 {target}: {state} {message}", "delivered to {target}: {state} {message}"),
    "secret_not_found": ("密钥不存在: {secret_id}", "Secret not found: {secret_id}"),
    "secret_exists": ("密钥已存在: {name}", "Secret already exists: {name}"),
    "secret_created": ("密钥已创建: {name}", "Secret created: {name}"),
    "secret_updated": ("密钥已更新: {name}", "Secret updated: {name}"),
    "secret_deleted": ("密钥已删除: {name}", "Secret deleted: {name}"),
    "tenant_admin_only": ("仅管理员可管理租户", "Only admins may manage tenants"),
    "tenant_not_found": ("租户不存在: {tenant_id}", "Tenant not found: {tenant_id}"),
    "tenant_exists": ("租户已存在: {tenant_id}", "Tenant already exists: {tenant_id}"),
    "tenant_config_not_found": (
        "租户配置不存在: {tenant_id}/{app_code}/{name}",
        "Tenant setting not found: {tenant_id}/{app_code}/{name}",
    ),
    "tenant_created": ("租户已创建: {tenant_id}", "Tenant created: {tenant_id}"),
    "tenant_deleted": ("租户已删除: {tenant_id}", "Tenant deleted: {tenant_id}"),
    # hostile tenants (issue 12): resource caps, script_deps, logs
    "run_slots_busy": (
        "系统繁忙: 全部 {limit} 个运行槽位都在使用中,请稍后再试 (VWED_EXECUTOR_CONCURRENCY)",
        "The system is busy: all {limit} run slots are in use; try again later (VWED_EXECUTOR_CONCURRENCY)",
    ),
    "syntax_check_failed": ("语法检查失败: {reason}", "The syntax check failed: {reason}"),
    "secret_shared_global_only": (
        "只有全局密钥可以共享给租户 (shared)",
        "Only a global secret can be shared with tenants (shared)",
    ),
    "deps_line_refused": (
        "script_deps 第 {line} 行不是普通的 PEP 508 依赖 ({reason}): {text}",
        "script_deps line {line} is not a plain PEP 508 requirement ({reason}): {text}",
    ),
    "deps_not_allowed": (
        "此服务器不允许该任务使用 script_deps ({reason})",
        "script_deps are not allowed for this task on this server ({reason})",
    ),
    # Sent by the children (`vwed.runtime.texts`: only `child_*` and `wire_*` keys are accepted from
    # them); their zh templates also travel to each child to word exceptions raised in the script.
    "child_handler_failed": ("{label} 执行失败: {error}", "{label} failed: {error}"),
    "child_handler_missing": ("处理函数 {handler} 未注册", "Handler {handler} is not registered"),
    "child_background_failed": ("后台任务失败: {error}", "A background task failed: {error}"),
    "child_boot_failed": ("boot() 执行失败: {error}", "boot() failed: {error}"),
    "child_timer_failed": ("定时任务 {name} 执行失败: {error}", "Timer {name} failed: {error}"),
    "child_value_unsendable": ("返回值无法发送: {reason}", "The return value cannot be sent: {reason}"),
    "child_registrations_unsendable": (
        "注册信息无法发送: {reason}",
        "The registrations cannot be sent: {reason}",
    ),
    "child_request_unsendable": ("请求无法发送: {reason}", "The request cannot be sent: {reason}"),
    "child_sdk_args_unsendable": (
        "{name}: 参数无法发送: {reason}",
        "{name}: the arguments cannot be sent: {reason}",
    ),
    "child_result_not_json": (
        "result 不能转换为 JSON: {error}",
        "result cannot be converted to JSON: {error}",
    ),
    "child_result_unsendable": ("result 无法发送: {reason}", "result cannot be sent: {reason}"),
    "child_sync_in_async": (
        "{what}: 异步代码中请使用 await,同步形式只用于同步处理函数",
        "{what}: use `await` in async code; the sync form is for sync handlers",
    ),
    "child_http_method": ("不支持的 HTTP 方法: {method}", "Unsupported HTTP method: {method}"),
    "wire_too_deep": ("嵌套超过 {limit} 层", "nested deeper than {limit} levels"),
    "wire_too_large": (
        "{size} 字节,超过帧上限 {limit} 字节 (VWED_RUNTIME_MAX_FRAME_BYTES)",
        "{size} bytes, above the frame cap of {limit} bytes (VWED_RUNTIME_MAX_FRAME_BYTES)",
    ),
    "wire_not_json": ("无法表示为 JSON: {error}", "not representable as JSON: {error}"),
    "wire_int_range": (
        "整数超出 64 位范围 (-2^63 到 2^64-1)",
        "an integer outside the 64-bit range (-2^63 to 2^64-1)",
    ),
    "wire_frame_too_large": (
        "一个 {size} 字节的帧,超过帧上限 {limit} 字节 (VWED_RUNTIME_MAX_FRAME_BYTES)",
        "a frame of {size} bytes, above the frame cap of {limit} bytes (VWED_RUNTIME_MAX_FRAME_BYTES)",
    ),
    "wire_frame_not_json": ("一个不是 JSON 的帧 ({error})", "a frame that is not JSON ({error})"),
    "wire_frame_not_message": (
        "一个不是消息的帧 (应为带类型 `t` 的 JSON 对象)",
        "a frame that is not a message (a JSON object with a type `t`)",
    ),
    "wire_frame_too_deep": ("一个嵌套超过 {limit} 层的帧", "a frame nested deeper than {limit} levels"),
    "wire_frame_malformed": ("一个格式错误的 {kind} 帧 ({error})", "a malformed {kind} frame ({error})"),
    # the host side of the runtime
    "runtime_killed": ("被主机终止: 它发送了{reason}", "killed by the host: it sent {reason}"),
    "runtime_exit_code": ("退出码 {code}", "exit code {code}"),
    "runtime_exit_signal": ("信号 {signal}", "signal {signal}"),
    "runtime_no_exit_status": ("没有退出状态", "no exit status"),
    "runtime_zygote_gone": ("zygote 进程已退出", "zygote exited"),
    "runtime_connection_lost": ("与进程的连接中断", "connection to the process lost"),
    "runtime_script_unsendable": ("脚本无法发送: {reason}", "the script cannot be sent: {reason}"),
    "runtime_registration_malformed": (
        "注册信息格式错误 {field}: {error}",
        "malformed registration {field}: {error}",
    ),
    "runtime_registration_kind": ("未知的注册类型: {kind}", "unknown registration kind: {kind}"),
    "runtime_no_free_uid": (
        "从 {base} 起的 {count} 个 uid 全部在用",
        "all {count} uids from {base} are in use",
    ),
}


@dataclass(frozen=True)
class Text:
    """A message rendered later, in the reader's language: e.g. the reason inside another message.

    `translate` renders every `Text` among its parameters in the language it renders the message in.
    """

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, lang: Lang = "zh") -> str:
        """This message in `lang`."""
        return translate(self.key, lang, **self.params)


def rendered(value: str | Text, lang: Lang = "zh") -> str:
    """`value` in `lang`: a `Text` rendered, a string (a message already worded, or data) as it is."""
    return value if isinstance(value, str) else value.render(lang)


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
    rendered = {name: v.render(lang) if isinstance(v, Text) else v for name, v in params.items()}
    try:
        return template.format(**rendered)
    except (KeyError, IndexError):
        return template


# pydantic's error types -> message keys of the `detail` list; their `ctx` values fill the message.
_PYDANTIC_KEYS = {
    "missing": "field_required",
    "string_too_long": "field_too_long",
    "string_too_short": "field_too_short",
    "too_long": "field_too_many",
    "too_short": "field_too_few",
    "string_type": "field_string",
    "string_unicode": "field_string",
    "int_type": "field_int",
    "int_parsing": "field_int",
    "int_from_float": "field_int",
    "int_parsing_size": "json_int_range",
    "float_type": "field_number",
    "float_parsing": "field_number",
    "finite_number": "json_not_finite",
    "bool_type": "field_bool",
    "bool_parsing": "field_bool",
    "dict_type": "field_object",
    "model_type": "field_object",
    "model_attributes_type": "field_object",
    "list_type": "field_list",
    "tuple_type": "field_list",
    "set_type": "field_list",
    "literal_error": "field_choice",
    "enum": "field_choice",
    "union_tag_invalid": "field_choice",
    "greater_than_equal": "field_ge",
    "greater_than": "field_gt",
    "less_than_equal": "field_le",
    "less_than": "field_lt",
    "string_pattern_mismatch": "field_pattern",
    "json_invalid": "invalid_json",
    "json_type": "invalid_json",
    "datetime_type": "field_datetime",
    "datetime_parsing": "field_datetime",
    "datetime_from_date_parsing": "field_datetime",
    "datetime_object_invalid": "field_datetime",
    "date_type": "field_datetime",
    "date_parsing": "field_datetime",
    "date_from_datetime_parsing": "field_datetime",
    "timezone_aware": "field_datetime",
}
_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie", "form"})


def field_path(loc: Sequence[str | int], root: str = "body") -> str:
    """A pydantic error location as a field path: `("body", "jump_list", 0, "type")` -> `jump_list[0].type`.

    Request parts (`body`, `query`, ...) are dropped; a location naming no field names `root`.
    """
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in _LOCATIONS and not path:
            continue
        else:
            path += f".{part}" if path else str(part)
    return path or root


def field_text(error: Mapping[str, Any]) -> Text:
    """The message of one pydantic error, to render in any language: ours for the types above and for
    our own error keys, a generic one otherwise (never pydantic's English)."""
    kind = str(error.get("type", ""))
    key = _PYDANTIC_KEYS.get(kind, kind)
    if key not in MESSAGES:
        key = "field_invalid"
    return Text(key, dict(error.get("ctx") or {}))


def field_message(error: Mapping[str, Any], lang: Lang = "zh") -> str:
    """`field_text(error)` rendered in `lang`."""
    return field_text(error).render(lang)

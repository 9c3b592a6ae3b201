"""The example scripts of seed 000 (sections 7.1, 7.2, 7.3 and the debug script of 8.3), verbatim.

The seed's text lost its indentation; it is restored here with four spaces per level and nothing else
changed, so the scripts run exactly as a user pasting them would run them.
"""

MAIN_7_1 = '''# main.py - 完整的脚本示例
def boot():
    """脚本启动函数,注册服务"""
    VWED.log.sync_info("脚本启动中...")

    # 注册API接口
    setup_apis()

    # 注册自定义函数
    setup_functions()

    # 设置事件监听器
    setup_events()

    # 设置定时任务
    setup_timers()

    VWED.log.sync_info("脚本服务注册完成")

def setup_apis():
    """设置API接口"""

    @VWED.api.get("/hello", description="问候接口")
    def hello(request_data):
        name = request_data["query_params"].get("name", "World")
        return {"message": f"Hello, {name}!"}

    @VWED.api.post("/process", description="数据处理接口")
    def process_data(request_data):
        data = request_data["body"]
        processed_count = len(data) if isinstance(data, list) else 1

        # 记录处理日志
        VWED.log.sync_info(f"处理数据: {processed_count} 项")

        return {
            "processed": True,
            "count": processed_count,
            "timestamp": VWED.util.now()
        }

def setup_functions():
    """设置自定义函数"""

    @VWED.function.register("calculate_sum", description="计算数组和")
    def calculate_sum(args):
        numbers = args.get("numbers", [])
        total = sum(numbers)
        VWED.log.sync_info(f"计算和: {numbers} = {total}")
        return {"sum": total, "count": len(numbers)}

    @VWED.function.register("async_task", description="异步任务")
    async def async_task(args):
        task_name = args.get("task_name", "unknown")
        await VWED.log.info(f"开始异步任务: {task_name}")

        # 模拟异步处理
        await VWED.util.async_sleep(1)

        await VWED.log.info(f"异步任务完成: {task_name}")
        return {
            "completed": True,
            "task_id": VWED.util.uuid(),
            "task_name": task_name
        }

    @VWED.function.register(
        "data_validator",
        description="数据验证器",
        parameters=[
            {"name": "data", "type": "object", "required": True},
            {"name": "rules", "type": "array", "required": False}
        ],
        tags=["validation", "data"]
    )
    def validate_data(args):
        data = args.get("data", {})
        rules = args.get("rules", ["required"])

        errors = []
        if "required" in rules and not data:
            errors.append("数据不能为空")

        is_valid = len(errors) == 0
        VWED.log.sync_info(f"数据验证结果: {'通过' if is_valid else '失败'}")

        return {
            "is_valid": is_valid,
            "errors": errors,
            "data_size": len(str(data))
        }

def setup_events():
    """设置事件监听器"""

    @VWED.event.listen("task_completed")
    def on_task_completed(event_data):
        VWED.log.sync_info(f"任务完成通知: {event_data.get('task_id', 'unknown')}")

        # 存储完成任务统计
        completed_count = VWED.data.get("completed_tasks", 0)
        VWED.data.set("completed_tasks", completed_count + 1)

    @VWED.event.listen("system_error", priority=0)  # 高优先级
    def on_system_error(event_data):
        error_msg = event_data.get("error", "未知错误")
        VWED.log.sync_error(f"系统错误: {error_msg}")

        # 触发告警事件
        asyncio.create_task(VWED.event.emit("alert_required", {
            "level": "error",
            "message": error_msg,
            "source": "script_monitor"
        }))

def setup_timers():
    """设置定时任务"""

    @VWED.timer.interval(60)  # 每分钟执行
    def monitor_system():
        # 检查系统状态
        task_count = VWED.data.get("completed_tasks", 0)
        VWED.log.sync_info(f"系统监控 - 已完成任务数: {task_count}")

        # 每10个任务清理一次数据
        if task_count > 0 and task_count % 10 == 0:
            VWED.data.set("last_cleanup", VWED.util.now())

    @VWED.timer.once(delay=10)  # 10秒后执行一次
    def initialization_check():
        VWED.log.sync_info("初始化检查完成")
        VWED.data.set("initialized", True)

    @VWED.timer.every(300)  # 每5分钟
    def heartbeat():
        # 发送心跳事件
        asyncio.create_task(VWED.event.emit("script_heartbeat", {
            "script_id": VWED.get_script_id(),
            "timestamp": VWED.util.now(),
            "status": "healthy"
        }))

# 辅助函数示例
def process_sensor_data(sensor_data):
    """处理传感器数据"""
    try:
        # 数据处理逻辑
        temperature = sensor_data.get("temperature", 0)
        humidity = sensor_data.get("humidity", 0)

        # 异常检测
        if temperature > 80:
            VWED.log.sync_warning(f"温度过高: {temperature}°C")

        if humidity < 20:
            VWED.log.sync_warning(f"湿度过低: {humidity}%")

        # 存储处理结果
        VWED.data.set("last_sensor_data", {
            "temperature": temperature,
            "humidity": humidity,
            "processed_at": VWED.util.now()
        })

        return {
            "success": True,
            "processed_data": {
                "temperature": temperature,
                "humidity": humidity
            }
        }

    except Exception as e:
        VWED.log.sync_error(f"处理传感器数据失败: {str(e)}")
        return {"success": False, "error": str(e)}
'''

API_SERVICE_7_2 = '''# api_service.py - 简单API服务示例
def boot():
    """注册API服务"""
    VWED.log.sync_info("API服务启动")

    @VWED.api.get("/status", description="服务状态检查")
    def get_status(request_data):
        return {
            "status": "running",
            "timestamp": VWED.util.now(),
            "version": "1.0.0"
        }

    @VWED.api.post("/webhook", description="接收Webhook")
    def handle_webhook(request_data):
        webhook_data = request_data["body"]

        # 记录webhook数据
        VWED.log.sync_info(f"收到Webhook: {webhook_data.get('event', 'unknown')}")

        # 处理不同类型的webhook
        event_type = webhook_data.get("event_type")
        if event_type == "user_created":
            handle_user_created(webhook_data)
        elif event_type == "order_completed":
            handle_order_completed(webhook_data)

        return {"received": True, "processed": True}

def handle_user_created(data):
    """处理用户创建事件"""
    user_id = data.get("user_id")
    VWED.log.sync_info(f"新用户创建: {user_id}")

    # 发送欢迎事件
    asyncio.create_task(VWED.event.emit("user_welcome", {
        "user_id": user_id,
        "created_at": VWED.util.now()
    }))

def handle_order_completed(data):
    """处理订单完成事件"""
    order_id = data.get("order_id")
    VWED.log.sync_info(f"订单完成: {order_id}")
'''

DATA_PROCESSOR_7_3 = '''# data_processor.py - 数据处理脚本示例
def boot():
    """注册数据处理函数"""
    VWED.log.sync_info("数据处理服务启动")

    @VWED.function.register("batch_process", description="批量数据处理")
    def batch_process(args):
        data_list = args.get("data_list", [])
        process_type = args.get("process_type", "default")

        results = []
        for item in data_list:
            if process_type == "filter":
                if item.get("status") == "active":
                    results.append(item)
            elif process_type == "transform":
                transformed = transform_data_item(item)
                results.append(transformed)
            else:
                results.append(item)

        VWED.log.sync_info(f"批量处理完成: {len(data_list)} -> {len(results)}")
        return {"processed_data": results, "original_count": len(data_list)}

    @VWED.function.register("data_aggregation", description="数据聚合")
    async def data_aggregation(args):
        data_source = args.get("data_source", "database")
        group_by = args.get("group_by", "category")

        # 模拟数据获取
        await VWED.util.async_sleep(0.5)

        # 模拟聚合结果
        aggregated_data = {
            "category_a": 100,
            "category_b": 150,
            "category_c": 75
        }

        await VWED.log.info(f"数据聚合完成: {data_source} by {group_by}")
        return {"aggregated_data": aggregated_data, "total": sum(aggregated_data.values())}

def transform_data_item(item):
    """转换单个数据项"""
    transformed = {
        "id": item.get("id"),
        "name": item.get("name", "").upper(),
        "processed_at": VWED.util.now(),
        "metadata": {
            "original_keys": list(item.keys()),
            "transformation_version": "1.0"
        }
    }
    return transformed
'''

DEBUG_8_3 = """def boot():
    try:
        VWED.log.sync_info("=== 脚本启动调试开始 ===")

        # 注册调试函数
        @VWED.function.register("debug_test", description="调试测试函数")
        def debug_test(args):
            try:
                VWED.log.sync_info(f"调试函数收到参数: {args}")

                # 参数验证
                if not isinstance(args, dict):
                    raise ValueError("参数必须是字典类型")

                # 模拟处理
                result = {"debug": True, "args_keys": list(args.keys())}

                VWED.log.sync_info(f"调试函数返回结果: {result}")
                return result

            except Exception as e:
                VWED.log.sync_error(f"调试函数执行失败: {str(e)}")
                return {"error": str(e), "debug": True}

        VWED.log.sync_info("=== 脚本启动调试完成 ===")

    except Exception as e:
        VWED.log.sync_error(f"脚本启动失败: {str(e)}")
"""

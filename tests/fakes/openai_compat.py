"""A fake OpenAI-compatible endpoint: `POST /v1/chat/completions` with the real response and error shapes.

It checks the bearer key (401 `invalid_api_key`), the body (400 `invalid_request_error`) and the model
(404 `model_not_found` for models it does not serve), and answers a completion naming the model and
echoing the last user message, so tests can see what the SDK sent.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


def _error(status: int, message: str, kind: str, code: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": kind, "param": None, "code": code}}, status_code=status
    )


class FakeOpenAI:
    """Records every request in `received`; serves the models in `models`."""

    def __init__(self, api_key: str = "sk-test-fake", models: tuple[str, ...] = ("fake-chat",)) -> None:
        self.api_key = api_key
        self.models = models
        self.received: list[dict[str, Any]] = []
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self.complete)

    async def complete(self, request: Request) -> Any:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
        body = await request.json()
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _error(400, "'messages' is a required property", "invalid_request_error", "invalid_value")
        if body.get("model") not in self.models:
            return _error(
                404,
                f"The model `{body.get('model')}` does not exist",
                "invalid_request_error",
                "model_not_found",
            )
        self.received.append(body)
        question = str(messages[-1].get("content", ""))
        answer = f"[{body['model']}] 回答: {question}"
        return {
            "id": f"chatcmpl-{len(self.received)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
        }

"""Request bodies of the script-service API (seed 000 section 3)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RestartPolicy = Literal["never", "on-failure"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore")


class StartRequest(_Input):
    """Body of `POST /api/script/scripts/start`."""

    script_path: Annotated[str, Field(min_length=1, max_length=700)]
    start_params: dict[str, Any] | None = None
    restart_policy: RestartPolicy = "never"


class ExecuteRequest(_Input):
    """Body of `POST /api/script/scripts/execute-function`."""

    script_id: Annotated[str, Field(min_length=1, max_length=400)]
    function_name: Annotated[str, Field(min_length=1, max_length=200)]
    # Omitted arguments reach the function as `{}`, so the seed's `args.get(...)` style just works.
    function_args: Any = Field(default_factory=dict)

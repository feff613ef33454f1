"""OpenAPI post-processing: the error answers every operation can give, documented.

drf-spectacular documents the success status only; a client (and the schemathesis run in
`make test`) must also know that any call may answer 401/403/404 with `{"detail": …}` and
that one taking parameters or a body may answer 400 with the Chinese message per field.
"""

from __future__ import annotations

from typing import Any

METHODS = {"get", "put", "patch", "post", "delete", "head", "options"}

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "中文说明"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": (
        '输入有误：{"字段名": ["中文说明", …]}，与字段无关的错误在 non_field_errors 或 detail 中'
    ),
    "additionalProperties": True,
}
ANSWERS = {
    "400": ("输入有误（说明见各字段）", "FieldErrors"),
    "401": ("未登录或令牌无效", "ErrorDetail"),
    "403": ("没有执行此操作的权限", "ErrorDetail"),
    "404": ("未找到（或不在您的管辖范围内）", "ErrorDetail"),
}


def _response(description: str, component: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{component}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorDetail", DETAIL)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            takes_input = "requestBody" in operation or operation.get("parameters") or "{" in path
            for status, (description, component) in ANSWERS.items():
                if status != "400" or takes_input:
                    responses.setdefault(status, _response(description, component))
    return result

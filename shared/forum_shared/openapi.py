"""Every service's OpenAPI document tells the truth about its error answers.

FastAPI documents only what routes declare; the platform's shared behaviour (401 from the
organiser guard, 404 for unknown ids, our readable 422 body) is added here once, so clients
and schemathesis see every status a route can really answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field


class FieldProblem(BaseModel):
    field: str = Field(description="Dotted path of the field, or `body`")
    message: str = Field(description="Why, in the request's language")


class ValidationProblem(BaseModel):
    """The 422 body: each bad field named, with a reason a person can read."""

    error: str = Field(examples=["validation_failed"])
    message: str
    fields: list[FieldProblem] = Field(default_factory=list)


class ErrorBody(BaseModel):
    """Any other refusal: a readable `detail`, sometimes with more fields."""

    detail: Any


def _json(model: type[BaseModel], description: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def document_shared_errors(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (FieldProblem, ValidationProblem, ErrorBody):
            components[model.__name__] = model.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = _json(ValidationProblem, "Invalid input, field by field")
                if operation.get("security"):
                    responses.setdefault(
                        "401", _json(ErrorBody, "Organiser token missing or wrong")
                    )
                if "{" in path:
                    responses.setdefault("404", _json(ErrorBody, "Not found"))
        components.pop("HTTPValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

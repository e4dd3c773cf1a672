"""The bare FastAPI endpoint for the HTTP ceiling: the same request body, validated by a
pydantic model, answered 201 with a small JSON, no database.

    python -m bench.bare_app PORT
"""

from __future__ import annotations

import sys
import uuid

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI()


class Consents(BaseModel):
    personal_data: bool


class Registration(BaseModel):
    full_name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    organization: str | None = None
    region: str
    category: str
    locale: str = "ru"
    session_ids: list[uuid.UUID] = []
    consents: Consents


@app.post("/v1/forums/{code}/registrations", status_code=201)
async def register(code: str, body: Registration) -> dict[str, str]:
    return {"id": str(uuid.uuid4()), "status": "confirmed", "email": body.email}


@app.get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=None, access_log=False)

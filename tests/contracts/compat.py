"""Breaking-change rules for v1 contracts, and the command that records additive changes.

`python -m tests.contracts.compat` rewrites the snapshot only if every change is additive.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from forum_shared.asyncapi import contract_schemas

SNAPSHOT = Path(__file__).with_name("v1_schemas.json")


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What in `new` would break a consumer or producer written against `old`."""
    problems = []
    for name, before in old.items():
        after = new.get(name)
        if after is None:
            problems.append(f"{name}: removed")
            continue
        for value in before.get("enum", []):
            if value not in after.get("enum", []):
                problems.append(f"{name}: enum value {value!r} removed")
        before_props, after_props = before.get("properties", {}), after.get("properties", {})
        for field, schema in before_props.items():
            if field not in after_props:
                problems.append(f"{name}.{field}: removed")
            elif _without_docs(after_props[field]) != _without_docs(schema):
                problems.append(f"{name}.{field}: retyped {schema} -> {after_props[field]}")
        newly_required = set(after.get("required", [])) - set(before.get("required", []))
        for field in sorted(newly_required):
            problems.append(f"{name}.{field}: now required (old events lack it)")
    return problems


def _without_docs(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _without_docs(v) for k, v in schema.items() if k not in ("description", "title")}
    if isinstance(schema, list):
        return [_without_docs(v) for v in schema]
    return schema


def main() -> int:
    current = contract_schemas()
    problems = breaking_changes(json.loads(SNAPSHOT.read_text()), current)
    if problems:
        print("breaking changes; publish a new contract version instead:", *problems, sep="\n  ")
        return 1
    SNAPSHOT.write_text(json.dumps(current, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    print(f"snapshot updated: {SNAPSHOT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

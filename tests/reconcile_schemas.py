"""The Reconciliation API 0.2 JSON schemas (tests/data/reconciliation/), ready to validate.

Each schema is read once with its neighbours in a registry under their ``$id``, so that
``type.json`` resolves without the network. Draft 7 (what the specification's own test
script, ajv 3, assumes for ``"$schema": "http://json-schema.org/schema#"``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

FOLDER = Path(__file__).parent / "data" / "reconciliation"
NAMES = ("manifest", "reconciliation-query-batch", "reconciliation-result-batch",
         "suggest-entities-response", "suggest-types-response", "suggest-properties-response",
         "type")


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    return {name: json.loads((FOLDER / f"{name}.json").read_text()) for name in NAMES}


@cache
def _registry() -> Registry:
    resources = [(schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7))
                 for schema in _schemas().values()]
    return Registry().with_resources(resources)


def validate(name: str, instance: Any) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``instance`` is valid against ``name``."""
    validator = Draft7Validator(_schemas()[name], registry=_registry())
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    if errors:
        raise errors[0]

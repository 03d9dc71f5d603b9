"""Document hooks named by module path, as ``rayvr serve --document-hook mymodule:add_vendor_meta`` names them.

A document hook (:data:`gateway.render.DocumentHook`) is a function
``hook(root, turn, ctx) -> None`` that changes a turn's finished ``<vxml>``
element in place before it is sent: the place for vendor extensions that no
turn type knows about. The gateway applies its hooks, in order, to the
document of every turn of every call.
"""

from __future__ import annotations

import importlib
from typing import Iterable

from gateway.render import DocumentHook


def load_hook(spec: str) -> DocumentHook:
    """The function named by ``spec``, ``"package.module:function"`` (or ``"module:Class.method"``).

    Raises:
        ValueError: ``spec`` is not of that form, or names nothing.
        ModuleNotFoundError: the module cannot be imported.
        TypeError: what it names cannot be called.
    """
    module_name, colon, path = spec.strip().partition(":")
    if not colon or not module_name or not path:
        raise ValueError(f"document hook {spec!r} must be written 'module:function'")
    target: object = importlib.import_module(module_name)
    for part in path.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ValueError(f"document hook {spec!r}: {module_name} has no {path}") from None
    if not callable(target):
        raise TypeError(f"document hook {spec!r} is a {type(target).__qualname__}, not a function")
    return target  # type: ignore[return-value]


def load_hooks(specs: Iterable[str]) -> tuple[DocumentHook, ...]:
    """Every hook named in ``specs`` (each may itself be a comma-separated list), in order."""
    return tuple(load_hook(spec) for item in specs for spec in item.split(",") if spec.strip())

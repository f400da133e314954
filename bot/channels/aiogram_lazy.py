"""Import aiogram with its Telegram types built on first use instead of all at import time.

`aiogram.types` ends by calling `model_rebuild()` on each of its ~300 pydantic models. Every model
then compiles its own validator and serializer containing copies of every nested model (a
`Message` holds most of the Bot API), which costs ~100 MB of RSS per process before the bot has
done anything (benchmarks/memory_bench.py). The models already declare `defer_build=True`; only
that loop defeats it. While aiogram is imported we let the loop record the namespace the models
need instead of building them; pydantic then builds each model the first time it validates or
serializes, as `defer_build` intends. The types the Bot API methods return are built right away,
because aiogram parametrises `Response[...]` with them and a generic cannot be built around an
unfinished model.

If pydantic or aiogram ever changes so that this no longer works, `install()` notices it in a
self-check and builds every model eagerly, exactly as aiogram would have: slower start, same
behaviour. Import this module before anything imports aiogram (bot/channels/telegram*.py do).
"""

from __future__ import annotations

import logging
import sys
import typing
from typing import Any

from pydantic import BaseModel

log = logging.getLogger(__name__)

_namespace: dict[str, Any] = {}
_installed = False


def _import_with_deferred_types() -> bool:
    """Import aiogram, letting its rebuild loop only record the types namespace. False if too late."""
    if "aiogram.types" in sys.modules:
        return False  # someone imported aiogram first: its models are built already
    eager = BaseModel.model_rebuild.__func__  # type: ignore[attr-defined]

    def record_namespace(cls: type[BaseModel], *args: Any, _types_namespace: Any = None, **kwargs: Any) -> Any:
        if _types_namespace is not None and cls.__module__.startswith("aiogram.types"):
            _namespace.update(_types_namespace)
            cls.__pydantic_parent_namespace__ = _namespace  # resolved when the model is first used
            return None
        return eager(cls, *args, _types_namespace=_types_namespace, **kwargs)

    BaseModel.model_rebuild = classmethod(record_namespace)  # type: ignore[method-assign,assignment]
    try:
        import aiogram  # noqa: F401
        import aiogram.methods  # noqa: F401
    finally:
        BaseModel.model_rebuild = classmethod(eager)  # type: ignore[method-assign,assignment]
    return True


def _models_in(annotation: Any) -> set[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {annotation}
    found: set[type[BaseModel]] = set()
    for arg in typing.get_args(annotation):
        found |= _models_in(arg)
    return found


def _aiogram_models() -> tuple[list[type[BaseModel]], list[type[BaseModel]]]:
    import aiogram.methods as methods
    import aiogram.types as types

    def models(module: Any) -> list[type[BaseModel]]:
        found = (getattr(module, name) for name in module.__all__)
        return [m for m in found if isinstance(m, type) and issubclass(m, BaseModel)]

    return models(types), models(methods)


def _finish(types: list[type[BaseModel]], methods: list[type[BaseModel]]) -> None:
    for method in methods:
        if not method.__pydantic_complete__:
            # built at class creation around unfinished types: retry on first use with every name known
            method.__pydantic_parent_namespace__ = {**vars(sys.modules[method.__module__]), **_namespace}
    returned: set[type[BaseModel]] = set()
    for method in methods:
        returned |= _models_in(getattr(method, "__returning__", None))
    for model in sorted(returned, key=lambda m: m.__name__):
        if not model.__pydantic_complete__:
            model.model_rebuild(_types_namespace=_namespace)


def _self_check() -> None:
    from aiogram.methods import SendMessage
    from aiogram.methods.base import Response
    from aiogram.types import InlineKeyboardMarkup, Message, Update

    update = Update.model_validate({
        "update_id": 1,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
                    "from": {"id": 1, "is_bot": False, "first_name": "A"}, "text": "x"},
    })
    assert update.message is not None and update.message.text == "x"
    markup = InlineKeyboardMarkup(inline_keyboard=[[{"text": "a", "callback_data": "b"}]])  # type: ignore[list-item]
    SendMessage(chat_id=1, text="x", reply_markup=markup).model_dump(exclude_none=True)
    Response[Message].model_validate({"ok": True, "result": update.message.model_dump()})


def install() -> None:
    """Import aiogram with deferred model building (idempotent; falls back to eager building)."""
    global _installed
    if _installed:
        return
    _installed = True
    if not _import_with_deferred_types():
        return
    types, methods = _aiogram_models()
    try:
        _finish(types, methods)
        _self_check()
    except Exception:  # noqa: BLE001 - any failure means: build everything as aiogram would
        log.warning("aiogram: deferred model building failed; building all models now", exc_info=True)
        for model in types + methods:
            model.model_rebuild(force=True, _types_namespace=_namespace)


install()

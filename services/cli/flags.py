"""Typer command classes whose help shows a flag as a flag.

typer 0.29's rich help prints every option's type, flags included
(``--wait <bool>``, ``--help <bool>``), which reads as if ``--wait true``
were the way to write it. These classes blank the type of each flag
(``--help`` too) before the help is drawn; parsing is untouched.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup


def _blank_flag_types(params: list[Any]) -> list[Any]:
    for param in params:
        if getattr(param, "is_flag", False) and getattr(param, "metavar", None) is None:
            param.metavar = ""
    return params


class FlagCommand(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return _blank_flag_types(super().get_params(ctx))


class FlagGroup(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return _blank_flag_types(super().get_params(ctx))


def sub_app(help_text: str) -> typer.Typer:
    """A command group of ``ember`` (its flags shown as flags)."""
    return typer.Typer(help=help_text, no_args_is_help=True, cls=FlagGroup)

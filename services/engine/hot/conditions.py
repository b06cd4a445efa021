"""The ``conditions`` section and ``condition:`` on resources and outputs.

Conditions depend only on parameters, so they are evaluated once, when the
stack definition is loaded. A condition whose parameters have no value yet
(validate_template without values) evaluates to None ("unknown"); callers
treat unknown as enabled for checking purposes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.exceptions import StackValidationFailed

from .functions import Function, ParseContext, parse
from .resolver import UNRESOLVED, ParameterResolver
from .versions import TemplateVersion


class Conditions:
    """Parsed condition definitions with memoised, cycle-checked evaluation."""

    def __init__(
        self,
        section: Mapping[str, Any],
        version: TemplateVersion,
        parameters: Any,
        files: Mapping[str, str] | None = None,
    ) -> None:
        self._resolver = ParameterResolver(parameters, files)
        ctx = ParseContext(
            version=version,
            param_names=frozenset(parameters),
            files=files,
            conditions=self,
            condition_mode=True,
        )
        self.version = version
        self._parse_ctx = ctx
        self._definitions: dict[str, Any] = {}
        for name, expression in section.items():
            self._definitions[name] = parse(expression, f"conditions.{name}", ctx)
        self._values: dict[str, bool | None] = {}
        self._evaluating: list[str] = []

    @property
    def parameter_resolver(self) -> ParameterResolver:
        """Resolves get_param (and get_file) only: what conditions may depend on."""
        return self._resolver

    @property
    def names(self) -> list[str]:
        return list(self._definitions)

    def parse(self, expression: Any, path: str) -> Any:
        """Parse an inline condition (a resource's or output's ``condition:``)."""
        return parse(expression, path, self._parse_ctx)

    def is_enabled(self, name: str, path: str) -> bool | None:
        """The value of the named condition. Raises StackValidationFailed if undefined or circular."""
        if not isinstance(name, str) or name not in self._definitions:
            raise StackValidationFailed(path=path, reason=f'the condition "{name}" is not defined')
        if name in self._values:
            return self._values[name]
        if name in self._evaluating:
            cycle = " -> ".join([*self._evaluating[self._evaluating.index(name) :], name])
            raise StackValidationFailed(path=f"conditions.{name}", reason=f"circular reference: {cycle}")
        self._evaluating.append(name)
        try:
            value = self.evaluate(self._definitions[name], f"conditions.{name}")
        finally:
            self._evaluating.pop()
        self._values[name] = value
        return value

    def evaluate(self, expression: Any, path: str) -> bool | None:
        """A parsed condition expression: a name, a boolean or a condition function."""
        if isinstance(expression, bool):
            return expression
        if isinstance(expression, str):
            return self.is_enabled(expression, path)
        if isinstance(expression, Function):
            value = expression.resolve(self._resolver)
            if value is UNRESOLVED:
                return None
            if not isinstance(value, bool):
                raise StackValidationFailed(
                    path=path, reason=f"the condition evaluates to {value!r:.60}, not a boolean"
                )
            return value
        raise StackValidationFailed(
            path=path, reason="a condition must be a condition name, a boolean or a condition function"
        )

    def evaluate_all(self) -> dict[str, bool | None]:
        """Every named condition's value (checks them all, even unused ones)."""
        return {name: self.is_enabled(name, f"conditions.{name}") for name in self._definitions}

    def check_reference(self, value: Any, path: str) -> bool | None:
        """Evaluate a ``condition:`` key value (name, boolean or inline function)."""
        if value is None:
            return True
        return self.evaluate(self.parse(value, path), path)

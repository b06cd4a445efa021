"""HOT intrinsic functions as a parsed tree.

``parse(value, path, ctx)`` turns a raw template value into data with
Function nodes; ``resolve(node, resolver)`` computes it; ``iter_references``
lists the resources it refers to. Importing this package registers every
function in ``FUNCTIONS``.
"""

from . import cfn, logic, refs, strings, structures  # noqa: F401  (registers the functions)
from .base import (
    FUNCTIONS,
    ConditionEvaluator,
    Function,
    ParseContext,
    Reference,
    is_function,
    iter_functions,
    iter_references,
    parse,
    resolve,
)

__all__ = [
    "FUNCTIONS",
    "ConditionEvaluator",
    "Function",
    "ParseContext",
    "Reference",
    "is_function",
    "iter_functions",
    "iter_references",
    "parse",
    "resolve",
]

"""One wording for every refusal at a configured limit.

A user who hits a limit needs three things from the message: which limit,
its value, and how an operator moves it. Every refusal (resources per stack,
stacks per tenant, nested depth, template and body size) ends with
:func:`maximum`, e.g. ``... exceeds the maximum of 1000 resources per stack
(engine.max_resources_per_stack, EMBER_ENGINE__MAX_RESOURCES_PER_STACK)``:
the YAML key and the environment variable of ``shared.config``.
"""

from __future__ import annotations


def setting(section: str, key: str) -> str:
    """The setting as the YAML file and the environment spell it: ``engine.x, EMBER_ENGINE__X``."""
    return f"{section}.{key}, EMBER_{section.upper()}__{key.upper()}"


def maximum(limit: int, unit: str, section: str, key: str) -> str:
    """``the maximum of <limit> <unit> (<section>.<key>, EMBER_<SECTION>__<KEY>)``."""
    return f"the maximum of {limit} {unit} ({setting(section, key)})"


def maximum_fmt(unit: str, section: str, key: str) -> str:
    """:func:`maximum` as a ``str.format`` template whose ``{limit}`` is filled later (an error's msg_fmt)."""
    return "the maximum of {limit} " + f"{unit} ({setting(section, key)})"

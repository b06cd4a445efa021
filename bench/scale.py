"""Scale benchmark: very wide and deep nested stacks, a large flat stack, parsing, update at scale.

The store runs in this process and the engine as its own OS process over the
local RabbitMQ (``bench/harness.py``), the store on a throw-away SQLite file
or (``--postgres``) a throw-away PostgreSQL database. Sections (``--only``):

- ``wide``: a ResourceGroup of ``--members`` (1000) members, each a provider
  template of 22 resources (22,000 resources in 1,001 nested stacks), with
  get_attr from the parent into every member, between a member's resources and
  from the parent to the group: CREATE_COMPLETE and DELETE_COMPLETE times, the
  engine's peak RSS, and the stack rows and locks left behind after the delete.
- ``flat``: flat stacks of 1,000 and 10,000 OS::Heat::None: create time and
  the per-resource cost at each size.
- ``parse``: parse + validate of a 1,000- and a 10,000-resource template in
  this process, and the growth exponent (1.0 = linear).
- ``update``: the wide stack updated with the group's count +1% (1000 -> 1010)
  and one property changed in every member: UPDATE_COMPLETE time.
- ``many``: ``bench/scale_concurrent.py`` — ``--stacks`` (200) stacks of 10
  resources POSTed at once through the api, then ``--gets`` (2,000) GET
  /stacks at concurrency 20, with ``--engines`` (1 2 4) engines: its own table.

    python bench/scale.py [--only wide,flat,parse,update,many] [--members 1000] [--postgres]
                          [--db-url URL] [--profile-engine FILE] [--stacks 200] [--gets 2000]
                          [--engines 1 2 4]

The engine's ``max_resources_per_stack`` (default 1000, counting nested
stacks' resources as Heat does) is raised for the run through
EMBER_ENGINE__MAX_RESOURCES_PER_STACK.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import scale_concurrent
from bench.harness import DEFAULT_AMQP, BenchEnv, drop_postgres, fresh_postgres, new_context
from services.engine.hot.stack import load_stack_definition
from services.engine.resources import default_registry

SECTIONS = ("wide", "flat", "parse", "update", "many")
MEMBER_RESOURCES = 22
#: Raised for the bench: the wide stack counts 1 + 1 + members x 23 resources with its nested ones.
MAX_RESOURCES = 200_000


def member_template() -> dict[str, Any]:
    """One group member: 22 resources, a tree of get_attr from r0, one leaf fed by ``tag`` alone."""
    resources: dict[str, Any] = {
        "r0": {
            "type": "OS::Heat::Value",
            "properties": {"value": {"list_join": ["-", [{"get_param": "seed"}, {"get_param": "index"}]]}},
        }
    }
    for i in range(1, 20):
        parent = "r0" if i < 3 else f"v{(i - 1) // 2}"
        resources[f"v{i}"] = {
            "type": "OS::Heat::Value",
            "properties": {"value": {"list_join": [".", [{"get_attr": [parent, "value"]}, str(i)]]}},
        }
    resources["label"] = {"type": "OS::Heat::Value", "properties": {"value": {"get_param": "tag"}}}
    resources["done"] = {"type": "OS::Heat::None", "depends_on": ["v19", "label"]}
    assert len(resources) == MEMBER_RESOURCES
    return {
        "heat_template_version": "2021-04-16",
        "parameters": {
            "index": {"type": "string"},
            "seed": {"type": "string"},
            "tag": {"type": "string", "default": "v1"},
        },
        "resources": resources,
        "outputs": {
            "first": {"value": {"get_attr": ["r0", "value"]}},
            "last": {"value": {"get_attr": ["v19", "value"]}},
            "label": {"value": {"get_attr": ["label", "value"]}},
        },
    }


def wide_template(members: int, tag: str = "v1") -> dict[str, Any]:
    """The parent: a seed every member reads, the group, and a value reading every member."""
    return {
        "heat_template_version": "2021-04-16",
        "resources": {
            "seed": {"type": "OS::Heat::RandomString", "properties": {"length": 8}},
            "group": {
                "type": "OS::Heat::ResourceGroup",
                "properties": {
                    "count": members,
                    "resource_def": {
                        "type": "Bench::Member",
                        "properties": {
                            "index": "%index%",
                            "seed": {"get_attr": ["seed", "value"]},
                            "tag": tag,
                        },
                    },
                },
            },
            "summary": {"type": "OS::Heat::Value", "properties": {"value": {"get_attr": ["group", "last"]}}},
        },
        "outputs": {
            "firsts": {"value": {"get_attr": ["group", "first"]}},
            "labels": {"value": {"get_attr": ["group", "label"]}},
        },
    }


def wide_environment() -> tuple[dict[str, Any], dict[str, str]]:
    return (
        {"resource_registry": {"Bench::Member": "member.yaml"}},
        {"member.yaml": yaml.safe_dump(member_template())},
    )


def flat_template(n: int) -> dict[str, Any]:
    return {
        "heat_template_version": "2021-04-16",
        "resources": {f"r{i}": {"type": "OS::Heat::None"} for i in range(n)},
    }


def parse_template(n: int) -> dict[str, Any]:
    """Values in a tree of get_attr (each reads the one at half its index): references to resolve."""
    resources: dict[str, Any] = {"v0": {"type": "OS::Heat::Value", "properties": {"value": "x"}}}
    for i in range(1, n):
        resources[f"v{i}"] = {
            "type": "OS::Heat::Value",
            "properties": {"value": {"get_attr": [f"v{(i - 1) // 2}", "value"]}},
        }
    return {"heat_template_version": "2021-04-16", "resources": resources}


def table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(
                str(c).ljust(w) if i == 0 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )


async def timed(start: Callable[[], Awaitable[Any]], done: Callable[[Any], Awaitable[float]]) -> float:
    began = time.perf_counter()
    result = await start()
    await done(result)
    return time.perf_counter() - began


class Wide:
    """The wide stack's create (kept for the update section) and its delete."""

    def __init__(self, env: BenchEnv, members: int) -> None:
        self.env = env
        self.members = members
        self.ctxt = new_context("wide")
        self.identity: dict[str, Any] | None = None

    async def create(self) -> float:
        environment, files = wide_environment()

        async def start() -> dict[str, Any]:
            return await self.env.client.create_stack(
                self.ctxt, "wide", wide_template(self.members), params=environment, files=files
            )

        async def done(identity: dict[str, Any]) -> float:
            self.identity = identity
            return await self.env.wait(self.ctxt, identity["stack_id"], "CREATE_COMPLETE", 0.2)

        return await timed(start, done)

    async def update(self, members: int) -> float:
        assert self.identity is not None
        environment, files = wide_environment()
        identity = self.identity

        async def start() -> dict[str, Any]:
            await self.env.client.update_stack(
                self.ctxt, identity, wide_template(members, "v2"), params=environment, files=files
            )
            return identity

        async def done(identity: dict[str, Any]) -> float:
            return await self.env.wait(self.ctxt, identity["stack_id"], "UPDATE_COMPLETE", 0.2)

        return await timed(start, done)

    async def check(self, members: int, tag: str) -> None:
        """The stack did what the template says: every member's output reached the parent."""
        assert self.identity is not None
        outputs = {
            o["output_key"]: o.get("output_value")
            for o in (await self.env.client.show_stack(self.ctxt, self.identity))[0].get("outputs", [])
        }
        firsts = outputs.get("firsts")
        if not isinstance(firsts, list) or len(firsts) != members or None in firsts:
            raise SystemExit(f"the wide stack's output is wrong: {str(firsts)[:200]}")
        if outputs.get("labels") != [tag] * members:
            raise SystemExit(f"the members' labels are not all {tag}: {str(outputs.get('labels'))[:200]}")

    async def delete(self) -> float:
        assert self.identity is not None
        identity = self.identity

        async def start() -> dict[str, Any]:
            await self.env.client.delete_stack(self.ctxt, identity)
            return identity

        async def done(identity: dict[str, Any]) -> float:
            return await self.env.wait(self.ctxt, identity["stack_id"], "DELETE_COMPLETE", 0.2)

        return await timed(start, done)


async def run_wide(env: BenchEnv, args: argparse.Namespace, sections: set[str]) -> list[tuple[str, ...]]:
    members = args.members
    total = members * (MEMBER_RESOURCES + 1) + 3
    wide = Wide(env, members)
    rows: list[tuple[str, ...]] = []
    created = await wide.create()
    await wide.check(members, "v1")
    rows.append(
        (
            f"wide create ({members} x {MEMBER_RESOURCES}, {members + 2} stacks)",
            f"{created:.1f}",
            f"{total}",
            "< 30 s",
        )
    )
    if "update" in sections:
        grown = members + max(members // 100, 1)
        updated = await wide.update(grown)
        await wide.check(grown, "v2")
        total = grown * (MEMBER_RESOURCES + 1) + 3
        rows.append(
            (
                f"wide update (count {members} -> {grown}, 1 property/member)",
                f"{updated:.1f}",
                f"{total}",
                "< 30 s",
            )
        )
    deleted = await wide.delete()
    rows.append(("wide delete", f"{deleted:.1f}", f"{total}", "< 30 s"))
    rows.append(("engine peak RSS (MiB)", f"{env.engine_peak_rss_mb():.0f}", "", "< 300"))
    left = await env.leftovers()
    rows.append(
        ("left behind: live stack rows, locks", f"{left['live stacks']}, {left['locks']}", "", "0, 0")
    )
    return rows


async def run_flat(env: BenchEnv, sizes: list[int]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    per: dict[int, float] = {}
    for n in sizes:
        ctxt = new_context("flat")

        async def start(n: int = n, ctxt: Any = ctxt) -> dict[str, Any]:
            return await env.client.create_stack(ctxt, f"flat{n}", flat_template(n))

        identity: dict[str, Any] = {}

        async def done(
            result: dict[str, Any], ctxt: Any = ctxt, identity: dict[str, Any] = identity
        ) -> float:
            identity.update(result)
            return await env.wait(ctxt, result["stack_id"], "CREATE_COMPLETE", 0.05)

        created = await timed(start, done)
        per[n] = created / n
        began = time.perf_counter()
        await env.client.delete_stack(ctxt, identity)
        await env.wait(ctxt, identity["stack_id"], "DELETE_COMPLETE", 0.05)
        deleted = time.perf_counter() - began
        rows.append(
            (
                f"flat {n} create",
                f"{created:.2f}",
                f"{per[n] * 1000:.2f} ms/res",
                "< 5 s" if n >= 10_000 else "",
            )
        )
        rows.append((f"flat {n} delete", f"{deleted:.2f}", f"{deleted / n * 1000:.2f} ms/res", ""))
    if len(per) >= 2:
        small, large = min(per), max(per)
        rows.append((f"per-resource cost {large} / {small}", f"{per[large] / per[small]:.2f}", "", "<= 1.0"))
    return rows


def run_parse(sizes: list[int]) -> list[tuple[str, ...]]:
    registry = default_registry()
    seconds: dict[int, float] = {}
    for n in sizes:
        template = parse_template(n)
        best = math.inf
        for _ in range(3):
            began = time.perf_counter()
            load_stack_definition(template, {}, {}, max_resources=-1, max_size=1 << 26, registry=registry)
            best = min(best, time.perf_counter() - began)
        seconds[n] = best
    rows = [(f"parse+validate {n}", f"{s:.3f}", f"{s / n * 1e6:.0f} us/res", "") for n, s in seconds.items()]
    if len(seconds) >= 2:
        small, large = min(seconds), max(seconds)
        exponent = math.log(seconds[large] / seconds[small]) / math.log(large / small)
        rows.append((f"growth exponent {small} -> {large}", f"{exponent:.2f}", "", "~1.0 (linear)"))
    return rows


async def run(args: argparse.Namespace) -> None:
    sections = set(args.only)
    unknown = sections - set(SECTIONS)
    if unknown:
        raise SystemExit(
            f"unknown section(s): {', '.join(sorted(unknown))} (choose from {', '.join(SECTIONS)})"
        )
    load = os.getloadavg()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}   load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    rows: list[tuple[str, ...]] = []
    if "parse" in sections:
        rows += run_parse([1000, 10_000])
    if sections & {"wide", "flat", "update"}:
        db_url, pg_name = args.db_url, None
        if args.postgres and not db_url:
            db_url, pg_name = await fresh_postgres()
        env = BenchEnv(
            db_url,
            args.amqp_url,
            args.profile_engine,
            engine_env={"EMBER_ENGINE__MAX_RESOURCES_PER_STACK": str(MAX_RESOURCES)},
            timeout=300,
        )
        try:
            async with env:
                print(f"database: {env.database}   engine: 1 process   store: in the bench process")
                if "flat" in sections:
                    rows += await run_flat(env, [1000, 10_000])
                if sections & {"wide", "update"}:
                    rows += await run_wide(env, args, sections)
        finally:
            if pg_name:
                await drop_postgres(pg_name)
    if rows:
        table(rows, ("measure", "seconds", "size", "target"))
    if "many" in sections:
        print(scale_concurrent.table(await scale_concurrent.run(args)))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default=",".join(SECTIONS), type=lambda s: [x for x in s.split(",") if x])
    parser.add_argument("--members", default=1000, type=int, help="members of the wide stack's group")
    parser.add_argument(
        "--postgres", action="store_true", help="a throw-away database on the local PostgreSQL"
    )
    parser.add_argument("--db-url", default=None)
    parser.add_argument("--amqp-url", default=DEFAULT_AMQP)
    parser.add_argument(
        "--profile-engine", metavar="FILE", help="run the engine under cProfile, stats to FILE"
    )
    scale_concurrent.add_arguments(parser)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

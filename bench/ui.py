"""Dashboard benchmark: first paint and full paint of a stack page with 1000 resources (target < 1 s).

Drives Debian's headless chromium with Playwright. By default the browser gets the
dashboard's own files from the package and a synthetic Heat API answer (a stack of N
resources in layers, each depending on two of the previous layer), intercepted in the
browser, so the figures are the front end's alone: parse, layout, SVG, paint. With
--url and --stack it measures a real running gateway's stack page instead.

Prints, over --runs loads: first contentful paint, and the time until the topology of
every resource is drawn (the page's ``ember-stack-painted`` mark), p50 and max; then how
long the page's live refreshes (polls that change states, not the shape) take to restyle
every node (its ``ember-topology-update`` measures).

    python bench/ui.py [--resources 1000] [--runs 5]
    python bench/ui.py --url http://127.0.0.1:8004 --project demo --stack big
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

from playwright.sync_api import Route, sync_playwright

STATIC = Path(__file__).resolve().parents[1] / "services" / "api" / "ui" / "static"
BASE = "http://ember.bench"
STACK_ID = "00000000-0000-4000-8000-000000000001"
TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}
ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]


def synthetic_resources(count: int, width: int = 50) -> list[dict[str, Any]]:
    stack = f"{BASE}/v1/demo/stacks/big/{STACK_ID}"
    out = []
    for i in range(count):
        nxt = [f"r{j}" for j in (i + width, i + width + 1) if j < count]
        out.append(
            {
                "resource_name": f"r{i}",
                "logical_resource_id": f"r{i}",
                "resource_type": "OS::Heat::None",
                "resource_status": "CREATE_COMPLETE" if i % 7 else "CREATE_IN_PROGRESS",
                "resource_status_reason": "state changed",
                "physical_resource_id": f"big-r{i}",
                "creation_time": "2026-01-01T00:00:00",
                "updated_time": "2026-01-01T00:00:01",
                "required_by": nxt,
                "links": [
                    {"rel": "self", "href": f"{stack}/resources/r{i}"},
                    {"rel": "stack", "href": stack},
                ],
            }
        )
    return out


def synthetic_api(count: int) -> Any:
    stack = {
        "id": STACK_ID,
        "stack_name": "big",
        "stack_status": "CREATE_IN_PROGRESS",
        "stack_status_reason": "Stack CREATE started",
        "parameters": {},
        "outputs": [],
        "links": [{"rel": "self", "href": f"{BASE}/v1/demo/stacks/big/{STACK_ID}"}],
    }
    # While IN_PROGRESS the page polls; every answer flips some states (same shape: a restyle).
    resources = synthetic_resources(count)
    flipped = [dict(r, resource_status="CREATE_COMPLETE") for r in resources]
    bodies = {
        "resources": json.dumps({"resources": resources}),
        "flipped": json.dumps({"resources": flipped}),
        "events": json.dumps({"events": []}),
        "stack": json.dumps({"stack": stack}),
    }

    calls = {"resources": 0}

    def handle(route: Route) -> None:
        path = route.request.url.split(BASE, 1)[1].split("?", 1)[0]
        if path.startswith("/ui/static/"):
            file = STATIC / path.rsplit("/", 1)[1]
            route.fulfill(body=file.read_bytes(), content_type=TYPES.get(file.suffix, "text/plain"))
        elif path.startswith("/ui"):
            route.fulfill(body=(STATIC / "index.html").read_bytes(), content_type="text/html")
        elif path.endswith("/resources"):
            calls["resources"] += 1
            body = bodies["flipped"] if calls["resources"] % 2 == 0 else bodies["resources"]
            route.fulfill(body=body, content_type="application/json")
        elif path.endswith("/events"):
            route.fulfill(body=bodies["events"], content_type="application/json")
        else:
            route.fulfill(body=bodies["stack"], content_type="application/json")

    return handle


def measure(page: Any, url: str) -> tuple[float, float]:
    page.goto(url)
    page.wait_for_function("document.body.dataset.painted === 'stack'", timeout=60_000)
    return page.evaluate(
        """() => {
          const fcp = performance.getEntriesByName('first-contentful-paint')[0];
          const done = performance.getEntriesByName('ember-stack-painted')[0];
          return [fcp ? fcp.startTime : NaN, done.startTime];
        }"""
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--url", help="a running gateway (else a synthetic API in the browser)")
    parser.add_argument("--project", default="demo")
    parser.add_argument("--stack", help="with --url: the stack (name) to open")
    args = parser.parse_args()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        if args.url:
            url = f"{args.url.rstrip('/')}/ui/{args.project}/stacks/{args.stack}"
            what = f"stack {args.stack} at {args.url}"
        else:
            page.route(f"{BASE}/**", synthetic_api(args.resources))
            url = f"{BASE}/ui/demo/stacks/big/{STACK_ID}"
            what = f"synthetic stack of {args.resources} resources"
        fcps, dones = [], []
        for _ in range(args.runs):
            fcp, done = measure(page, url)
            fcps.append(fcp)
            dones.append(done)
        nodes = page.locator("svg .node").count()
        page.wait_for_timeout(4000)  # two or three polls, each a live refresh of every node
        updates = page.evaluate(
            "performance.getEntriesByName('ember-topology-update').slice(1).map((m) => m.duration)"
        )
        browser.close()
    print(f"dashboard stack page, {what}, {nodes} nodes drawn, {args.runs} loads")
    print(f"  first contentful paint   p50 {statistics.median(fcps):7.0f} ms   max {max(fcps):7.0f} ms")
    print(f"  topology fully drawn     p50 {statistics.median(dones):7.0f} ms   max {max(dones):7.0f} ms")
    if updates:
        print(
            f"  live refresh of every node   max {max(updates):5.0f} ms over {len(updates)} polls (restyle, no re-layout)"
        )
    print("  target: first paint < 1000 ms")


if __name__ == "__main__":
    main()

"""/docs and /redoc work with no network (their assets come from the installed package); access logs are DEBUG."""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from tests.integration.api.conftest import TENANT


def asset_urls(page: str) -> list[str]:
    return re.findall(r"""(?:src|href|url|spec-url)\s*[:=]\s*['"]([^'"]+)['"]""", page)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_api_docs_load_every_asset_from_the_gateway(client: httpx.AsyncClient, page: str) -> None:
    resp = await client.get(page)
    assert resp.status_code == 200, resp.text
    assert "cdn" not in resp.text.lower() and "fonts.googleapis" not in resp.text
    urls = asset_urls(resp.text)
    scripts = [u for u in urls if u.endswith(".js")]
    assert scripts and "/openapi.json" in urls, resp.text
    for url in urls:
        assert not url.startswith(("http:", "https:", "//")), f"{page} loads {url} from elsewhere"
        asset = await client.get(url)
        assert asset.status_code == 200, f"{url}: {asset.status_code}"
        if url.endswith(".js"):
            assert len(asset.content) > 100_000  # the real bundle, not a stub
        if url == "/openapi.json":
            assert asset.json()["info"]["title"] == "Ember orchestration API"


async def test_access_lines_are_debug_not_info(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="services.api.access"):
        assert (await client.get(f"/v1/{TENANT}/stacks")).status_code == 200
    assert not [r for r in caplog.records if r.name == "services.api.access"]
    with caplog.at_level(logging.DEBUG, logger="services.api.access"):
        assert (await client.get(f"/v1/{TENANT}/stacks")).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "services.api.access"]
    assert lines and f"/v1/{TENANT}/stacks 200" in lines[-1]

"""Routes of the dashboard: its assets under ``/ui/static`` and the page shell for every other path."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse
from starlette.exceptions import HTTPException

STATIC = Path(__file__).resolve().parent / "static"

# Same-origin only: the page may load nothing from anywhere else, whatever a template holds.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}

router = APIRouter(prefix="/ui", include_in_schema=False)


def _shell() -> HTMLResponse:
    """The one HTML page; the browser's router renders whichever view the path names."""
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    return HTMLResponse(html, headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})


@router.get("/static/{name}")
async def asset(name: str) -> FileResponse:
    """A file of ``static/`` by its bare name (no sub-folders, so no path can leave the folder)."""
    path = STATIC / name
    media_type = MEDIA_TYPES.get(path.suffix)
    if "/" in name or name.startswith(".") or media_type is None or not path.is_file():
        raise HTTPException(404, f"No dashboard asset {name}")
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "no-cache"})


@router.get("")
@router.get("/")
@router.get("/{project}")
@router.get("/{project}/stacks")
@router.get("/{project}/launch")
@router.get("/{project}/stacks/{stack_name}")
@router.get("/{project}/stacks/{stack_name}/{stack_id}")
async def page() -> HTMLResponse:
    return _shell()

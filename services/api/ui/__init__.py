"""The web dashboard at ``/ui``: a single page served from this package (no CDN, no build step).

The page is static HTML, CSS and ES-module JavaScript in ``static/``; the
browser talks to the Heat v1 API itself, with the same authentication as any
client, so this router holds no stack logic and no credentials. Every
client-side route (``/ui/{project}/stacks``, ``.../stacks/{name}/{id}``, ...)
answers the same shell, so a bookmarked deep link renders on a direct load.
"""

from services.api.ui.router import router

__all__ = ["router"]

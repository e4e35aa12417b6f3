"""``/docs`` in development only: swagger-ui served from the installed package, with no third-party host and no
inline script (the start-up script is a same-origin file), so it runs under the strict Content-Security-Policy."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response

from assistant.integrations.swagger import swagger_ui_dir

router = APIRouter(include_in_schema=False)
ASSETS = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript", "favicon-32x32.png": "image/png"}
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Attune API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"><link rel="icon" href="/docs/assets/favicon-32x32.png">
</head><body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>
"""
INIT = 'window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});\n'


@router.get("/docs")
def docs() -> HTMLResponse:
    if swagger_ui_dir() is None:
        raise HTTPException(404, "swagger-ui-bundle is not installed")
    return HTMLResponse(PAGE)


@router.get("/docs/init.js")
def docs_init() -> Response:
    return Response(INIT, media_type="text/javascript")


@router.get("/docs/assets/{name}")
def docs_asset(name: str) -> FileResponse:
    folder = swagger_ui_dir()
    if folder is None or name not in ASSETS:
        raise HTTPException(404, "no such asset")
    return FileResponse(folder / name, media_type=ASSETS[name])

"""Where the installed ``swagger-ui-bundle`` package (Apache-2.0) keeps swagger-ui's files; ``None`` without it.

>>> d = swagger_ui_dir()
>>> d is None or (d / "swagger-ui-bundle.js").is_file()
True
"""

from __future__ import annotations

from pathlib import Path


def swagger_ui_dir() -> Path | None:
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    path = Path(swagger_ui_bundle.swagger_ui_path)
    return path if (path / "swagger-ui-bundle.js").is_file() else None

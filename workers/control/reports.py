"""The scorecard pages, read-only: ``GET /report/scorecard`` (the run's own fills, written by
``updown report --scorecard``) and ``GET /report/backtest`` (the last ``updown backtest``), both the
self-contained HTML those commands write under the data folder. The control worker only serves
them: making one is the command's work (it replays a recording)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

#: Path served -> (the file under the data folder, the command that makes it).
PAGES = {
    "/report/scorecard": (Path("report") / "report.html", "updown report --scorecard"),
    "/report/backtest": (Path("backtest") / "report.html", "updown backtest DIR"),
}
#: The pages draw with inline SVG and styles; nothing runs and nothing is loaded from elsewhere.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def routes(data_dir: str) -> list[web.RouteDef]:
    def serve(path: str) -> web.RouteDef:
        relative, command = PAGES[path]

        async def handler(request: web.Request) -> web.Response:
            file = Path(data_dir) / relative
            if not file.is_file():
                return web.json_response({"error": "not made yet", "make it with": command}, status=404)
            return web.Response(text=file.read_text(), content_type="text/html", headers=HEADERS)

        return web.get(path, handler)

    return [serve(path) for path in PAGES]

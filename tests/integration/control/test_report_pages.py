"""The scorecard pages the control API serves: the HTML ``updown report --scorecard`` and
``updown backtest`` wrote, behind the token, with a page's security headers; a clear 404 naming
the command while none was made."""

from __future__ import annotations

from pathlib import Path

import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from cli.report import main as report
from common.clock import SYSTEM_CLOCK
from common.config import load_settings
from tests.integration.control.conftest import AUTH, TOKEN
from tests.unit.backtest.synthetic import write
from workers.control.app import make_app


async def test_the_scorecard_page_is_served_once_made_and_only_with_the_token(redis_url: str, tmp_path: Path) -> None:
    settings = load_settings(env={"REDIS_URL": redis_url})
    control = settings.control.model_copy(update={"token": SecretStr(TOKEN)})
    settings = settings.model_copy(update={"data_dir": str(tmp_path), "control": control})
    redis = aioredis.Redis.from_url(redis_url)
    client = TestClient(TestServer(make_app(redis, settings, SYSTEM_CLOCK)))
    await client.start_server()
    try:
        missing = await client.get("/report/scorecard", headers=AUTH)
        assert missing.status == 404 and (await missing.json())["make it with"] == "updown report --scorecard"

        recording = write(tmp_path / "record")
        assert report(["--scorecard", str(recording), "--out", str(tmp_path / "report")]) == 0
        page = await client.get("/report/scorecard", headers=AUTH)
        assert page.status == 200 and "recorded" in await page.text()
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        by_link = await client.get(f"/report/scorecard?token={TOKEN}")
        assert by_link.status == 200
        assert (await client.get("/report/scorecard")).status == 401
        assert (await client.get("/report/scorecard?token=wrong")).status == 401
    finally:
        await client.close()
        await redis.aclose()

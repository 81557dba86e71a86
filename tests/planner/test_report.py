"""`plan-and-verify --report`: one self-contained HTML page, checked as text and in a real
headless browser (Chromium: the DOM it builds, and a screenshot that is not blank)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from corpus import domain_files
from planner.cli import main

PROXY = next(p for p in domain_files() if p.stem == "proxy")
SELECTED = "fast; fast; slow; slow; slow"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    import io
    from contextlib import redirect_stdout
    path = tmp_path_factory.mktemp("report") / "proxy.html"
    with redirect_stdout(io.StringIO()) as out:
        code = main(["plan-and-verify", str(PROXY), "--report", str(path), "--workers", "1", "--json"])
    assert code == 0
    return path, json.loads(out.getvalue())


def test_the_report_is_one_self_contained_page(report):
    path, result = report
    page = path.read_text(encoding="utf-8")
    assert result["selected"]["plan"] == SELECTED.split("; ")
    assert f'<b id="selected-plan">{SELECTED}</b>' in page
    # the selected plan's two runs, and one plot per rejected candidate
    assert "nominal scenario" in page and "worst found (R = 16)" in page
    rejected = [c for c in result["candidates"] if c["verdict"] == "refuted"]
    assert rejected and page.count("<svg") == 2 + len(rejected)      # and the bounds per round
    for c in rejected:
        assert "; ".join(c["plan"]) in page and json.dumps(c["counterexample"]["scenario"]) in page.replace("&quot;", '"')
    assert "Round 1:" in page and "Round 2:" in page and "U = 16" in page and "upper bound U" in page
    assert re.search(r"reward proof: \d+ nodes", page) and "certificate:" in page
    # nothing is fetched: no scripts, stylesheets, images or frames from anywhere
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert not re.search(r"""(src|href)=["'](?!#)""", page), "only references inside the page (SVG markers)"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_the_report_renders_in_a_headless_browser(report, tmp_path):
    path, _ = report
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*flags, "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert SELECTED in dom and "<svg" in dom and "<path" in dom
    shot = tmp_path / "shot.png"
    subprocess.run([*flags, "--window-size=1000,1400", f"--screenshot={shot}", path.as_uri()],
                   capture_output=True, timeout=120)
    import matplotlib.image
    pixels = matplotlib.image.imread(shot)                      # (H, W, channels)
    assert pixels.shape[0] == 1400 and pixels.shape[1] == 1000
    rgb = pixels[..., :3]
    dark = (rgb.mean(axis=2) < 0.5).mean()
    colored = (rgb.max(axis=2) - rgb.min(axis=2) > 0.3).mean()   # the plot's lines, the verdict colours
    assert 0.005 < dark < 0.5, f"the page looks blank or black ({dark:.4f} of its pixels are dark)"
    assert colored > 0.0005, "no coloured pixels: the plots did not render"

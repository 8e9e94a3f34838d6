"""Notebook 06's web page in Colab, rehearsed: with the stand-in ``google.colab`` (tools/colab_standin)
imported, ``helpers.export.show_page`` takes Colab's route (``google.colab.output.serve_kernel_port_as_iframe``)
and the page it serves was made without the TensorFlow.js converter, TensorFlow.js or a browser."""

import importlib
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from helpers.export import InGraphDecoder, build_page, save_web_model, show_page

ROOT = Path(__file__).resolve().parent.parent
STANDIN = ROOT / "tools" / "colab_standin"


@pytest.fixture
def colab(monkeypatch):
    """The stand-in's google.colab.output, imported as the rehearsal's kernel does; no tensorflowjs
    (an import of it fails) and no converter bridge."""
    monkeypatch.syspath_prepend(str(STANDIN))
    monkeypatch.setitem(sys.modules, "tensorflowjs", None)
    monkeypatch.setenv("PORTING_TFJS_PYTHON", str(ROOT / "no-converter" / "python"))
    importlib.import_module("google.colab")
    output = importlib.import_module("google.colab.output")
    output.served.clear()
    yield output
    for name in [name for name in sys.modules if name == "google.colab" or name.startswith("google.colab.")]:
        del sys.modules[name]


@pytest.fixture
def page(small_model, tmp_path):
    return build_page(save_web_model(InGraphDecoder(small_model, "protocol"), tmp_path / "web_model"), tmp_path / "page")


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def test_the_notebook_shows_its_page_with_show_page():
    source = (ROOT / "notebooks" / "06_export.py").read_text()
    assert "show_page(site" in source and "save_web_model(decoder" in source


def test_in_colab_the_page_is_served_through_colab_output(colab, page):
    with pytest.raises(ImportError):
        import tensorflowjs  # noqa: F401
    assert sorted(path.name for path in page.iterdir()) == ["index.html", "index.js", "model", "model.js"]
    show_page(page, query="http://a.b/?x=1")
    assert len(colab.served) == 1
    served = colab.served[0]
    assert served["path"] == "/index.html?q=http%3A%2F%2Fa.b%2F%3Fx%3D1"
    base = f"http://127.0.0.1:{served['port']}/"
    assert b'src="index.js"' in fetch(base + "index.html") and b"tf.min.js" not in fetch(base + "index.html")
    metadata = json.loads(fetch(base + "model/metadata.json"))
    manifest = json.loads(fetch(base + "model/" + metadata["step_weights"]))
    weights = fetch(base + "model/" + manifest["file"])
    last = manifest["arrays"][-1]
    assert len(weights) == 4 * (last["offset"] + int(np.prod(last["shape"])))
    assert metadata["task"] == "protocol"


def test_outside_colab_the_same_page_is_an_iframe_of_the_kernel(page, capsys):
    assert "google.colab" not in sys.modules
    show_page(page)
    shown = capsys.readouterr().out  # outside IPython, display prints the plain-text form
    assert "the page /index.html, served by this kernel" in shown


def test_a_runtime_without_the_headless_browser_says_so_in_one_line(monkeypatch):
    """Colab has neither Playwright nor Debian's chromium: notebook 06 prints why and skips the browser check."""
    from helpers import web

    monkeypatch.setitem(sys.modules, "playwright", None)
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    assert "Playwright" in web.headless_browser_missing()
    with pytest.raises(ValueError, match="Playwright"):
        web.Browser().__enter__()
    monkeypatch.undo()
    monkeypatch.setattr(web, "CHROMIUM", str(ROOT / "no-chromium"))
    assert "Chromium" in web.headless_browser_missing()


def test_a_process_that_showed_a_page_exits(page):
    """show_page's server lives as long as the kernel, and the kernel (here a plain Python) still exits."""
    script = f"from helpers.export import show_page; show_page({str(page)!r}); print('shown')"
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "shown" in finished.stdout

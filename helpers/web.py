"""The web page: build a static site from an export, serve it on 127.0.0.1, drive it in Chromium.

    site/index.html, index.js, model.js    copied from web/ (the page and its inference code)
    site/vendor/                           TensorFlow.js and its wasm backend, from web/node_modules
    site/model/                            OUT/tfjs of ``python -m helpers export`` (with metadata.json)

``tools/setup_web.sh`` installs what this needs (npm packages, Debian's chromium, Playwright from
PyPI, the converter bridge). The browser is Debian's ``/usr/bin/chromium``, never a downloaded one.
"""

from __future__ import annotations

import contextlib
import functools
import json
import http.server
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

WEB_SOURCE = Path(__file__).resolve().parent.parent / "web"
PAGE_FILES = ("index.html", "index.js", "model.js")
VENDOR_FILES = {  # node_modules path -> name in site/vendor
    "@tensorflow/tfjs/dist/tf.min.js": "tf.min.js",
    "@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js": "tf-backend-wasm.min.js",
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm": "tfjs-backend-wasm.wasm",
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm": "tfjs-backend-wasm-simd.wasm",
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm": "tfjs-backend-wasm-threaded-simd.wasm",
}
CHROMIUM = "/usr/bin/chromium"  # Debian's package (apt-get install chromium)
CHROMIUM_ARGUMENTS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGE_TIMEOUT_MILLISECONDS = 60_000  # model load + first (compiling) run on a slow, shared CPU


def copy_vendor(site: str | Path, node_modules: str | Path = WEB_SOURCE / "node_modules") -> Path:
    """Copy TensorFlow.js from node_modules (npm ci in web/) into site/vendor."""
    vendor = Path(site) / "vendor"
    vendor.mkdir(parents=True, exist_ok=True)
    for source, name in VENDOR_FILES.items():
        path = Path(node_modules) / source
        if not path.is_file():
            raise ValueError(f"{path} is missing: run bash tools/setup_web.sh (npm ci in web/)")
        shutil.copyfile(path, vendor / name)
    return vendor


def build_site(tfjs_directory: str | Path, site: str | Path) -> Path:
    """A servable site: the page files, vendor/ and model/ (a copy of an export's tfjs directory)."""
    tfjs_directory, site = Path(tfjs_directory), Path(site)
    if not (tfjs_directory / "model.json").is_file() or not (tfjs_directory / "metadata.json").is_file():
        raise ValueError(f"{tfjs_directory} is not a tfjs export (model.json and metadata.json)")
    site.mkdir(parents=True, exist_ok=True)
    if site.resolve() != WEB_SOURCE.resolve():
        for name in PAGE_FILES:
            shutil.copyfile(WEB_SOURCE / name, site / name)
    copy_vendor(site)
    if (site / "model").exists():
        shutil.rmtree(site / "model")
    shutil.copytree(tfjs_directory, site / "model")
    return site


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".js": "text/javascript", ".json": "application/json"}

    def log_message(self, *arguments):  # keep test and notebook output clean
        pass


def start_server(site: str | Path) -> http.server.ThreadingHTTPServer:
    """Serve ``site`` on 127.0.0.1 (a free port, ``server.server_address[1]``) from a daemon thread,
    which ends with the process; nothing needs to stop it."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, name=f"serve {Path(site).name}", daemon=True).start()
    return server


@contextlib.contextmanager
def serve(site: str | Path):
    """Serve ``site`` on 127.0.0.1 (a free port) while the block runs; yields the base URL."""
    server = start_server(site)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class PageResult:
    state: str  # "done", "refused" (bad input, message shown) or "error"
    result: str  # the text of #result
    message: str  # the text of #message
    ids: list[int] | None  # the emitted ids (data-ids of #result), when decoded


def headless_browser_missing() -> str | None:
    """Why ``Browser`` cannot run here, in one line (no Playwright, or no Debian chromium), or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "no Playwright in this runtime: bash tools/setup_web.sh installs it and headless Chromium"
    if not Path(CHROMIUM).exists():
        return f"no headless Chromium in this runtime ({CHROMIUM}): bash tools/setup_web.sh installs it"
    return None


class Browser:
    """Headless Chromium driven by Playwright. ``with Browser() as browser: browser.open(url, q)``."""

    def __enter__(self):
        missing = headless_browser_missing()
        if missing:
            raise ValueError(missing)
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGUMENTS)
        self.page = self._browser.new_page()
        self._devtools = self.page.context.new_cdp_session(self.page)
        self._devtools.send("Performance.enable")
        self.console: list[str] = []
        self.page.on("console", lambda message: self.console.append(message.text))
        return self

    def __exit__(self, *exception):
        self._browser.close()
        self._playwright.stop()

    def open(self, base_url: str, query: str | None = None, engine: str | None = None) -> PageResult:
        """Load index.html (with ?q=query, ?engine=step|graph: web/model.js) and wait until #result
        says the page finished."""
        parameters = [] if engine is None else [f"engine={engine}"]
        parameters += [] if query is None else ["q=" + quote(query, safe="")]
        url = base_url + "index.html" + ("?" + "&".join(parameters) if parameters else "")
        self.page.goto(url)
        waiting_for = "['done', 'refused', 'error']" if query is not None else "['ready', 'error']"
        self.page.wait_for_function(f"{waiting_for}.includes(document.getElementById('result').dataset.state)",
                                    timeout=PAGE_TIMEOUT_MILLISECONDS)
        result = self.page.locator("#result")
        ids = result.get_attribute("data-ids")
        return PageResult(state=result.get_attribute("data-state"), result=result.text_content(),
                          message=self.page.locator("#message").text_content(),
                          ids=json.loads(ids) if ids else None)

    def cpu_seconds(self) -> float:
        """CPU time of the page's main thread so far (DevTools metric ThreadTime): unlike the wall
        clock, it does not grow while other processes hold the CPU."""
        metrics = self._devtools.send("Performance.getMetrics")["metrics"]
        return next(metric["value"] for metric in metrics if metric["name"] == "ThreadTime")

    def decode_batch(self, texts: list[str], batch_size: int = 1) -> tuple[list[dict], float]:
        """Decode texts in the page (after ``open``), ``batch_size`` per model call.
        Returns the results (text, complete, score, ids) and the browser's milliseconds per input."""
        results = self.page.evaluate(
            """async ([texts, batchSize]) => {
                 const started = performance.now();
                 const results = [];
                 for (let start = 0; start < texts.length; start += batchSize) {
                   results.push(...await window.porting.decodeBatch(texts.slice(start, start + batchSize)));
                 }
                 const milliseconds = performance.now() - started;
                 return {milliseconds, results: results.map(({text, complete, score, ids}) => ({text, complete, score, ids}))};
               }""",
            [texts, batch_size],
        )
        return results["results"], results["milliseconds"] / max(1, len(texts))


def measure_in_browser(site: str | Path, inputs: list[str], batch_size: int = 32, engine: str = "step") -> dict:
    """Serve ``site``, open ``index.html?engine=engine&q=inputs[0]``, then decode ``inputs`` in the page
    one by one and in batches. Returns {"page": PageResult, "results": [...], "backend": str (the
    engine, with tfjs' backend for "graph"), "milliseconds_one_by_one": float,
    "milliseconds_batched": float, "cpu_milliseconds_one_by_one": float, "cpu_milliseconds_batched":
    float} (per input, after a warm-up; cpu_: the page thread's CPU time, which a shared machine does
    not inflate).

    Runs in a thread of its own: Playwright's sync API refuses to run inside Jupyter's asyncio loop."""
    from concurrent.futures import ThreadPoolExecutor

    def measure() -> dict:
        with serve(site) as url, Browser() as browser:
            page = browser.open(url, inputs[0], engine=engine)
            browser.decode_batch(inputs[:2])  # warm up (wasm compilation, graph preparation, JIT)
            cpu = [browser.cpu_seconds()]
            results, one_by_one = browser.decode_batch(inputs, batch_size=1)
            cpu.append(browser.cpu_seconds())
            _, batched = browser.decode_batch(inputs, batch_size=batch_size)
            cpu.append(browser.cpu_seconds())
            backend = engine if engine != "graph" else f"graph, {browser.page.evaluate('tf.getBackend()')}"
        return {"page": page, "results": results, "backend": backend,
                "milliseconds_one_by_one": one_by_one, "milliseconds_batched": batched,
                "cpu_milliseconds_one_by_one": (cpu[1] - cpu[0]) * 1000 / len(inputs),
                "cpu_milliseconds_batched": (cpu[2] - cpu[1]) * 1000 / len(inputs)}

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(measure).result()

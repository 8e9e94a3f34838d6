"""The Common Crawl sampler against a local HTTP server laid out like data.commoncrawl.org."""

import gzip
import http.server
import re
import socket
import threading

import pyarrow.parquet as pq
import pytest

from helpers.cli import main
from helpers.commoncrawl import (CommonCrawlError, NoNetworkError, PoliteClient, SamplerConfig, build_sample,
                                 live_sample_or_fallback)
from helpers.data import SAMPLE_PATH, make_sample_table

CRAWL = "CC-MAIN-2024-33"
PART_ROWS = 600


class FakeIndexHandler(http.server.BaseHTTPRequestHandler):
    """GET with Range support over the server's ``root``; ``faults[path]`` is a list of faults that the
    next requests for that path suffer, one each: "503", "403", "truncate" (closes the connection
    mid-body), "short" (a well-formed response with fewer bytes than asked)."""

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        server = self.server
        path = self.path.lstrip("/")
        server.requests.append((path, self.headers.get("Range")))
        fault = server.faults.get(path, []).pop(0) if server.faults.get(path) else None
        if fault in ("503", "403"):
            self.send_response(int(fault))
            if fault == "503":
                self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        file = server.root / path
        if not file.is_file():
            self.send_error(404)
            return
        data = file.read_bytes()
        status, start, end = 200, 0, len(data)
        if self.headers.get("Range"):
            first, _, last = self.headers["Range"].removeprefix("bytes=").partition("-")
            status, start, end = 206, int(first), min(len(data), int(last) + 1)
        body = data[start:end]
        if fault == "short":
            body = body[: len(body) // 2]
        self.send_response(status)
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(body)))  # "truncate" then sends only a third of it
        self.end_headers()
        if fault == "truncate":
            self.wfile.write(body[: len(body) // 3])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(body)


@pytest.fixture(scope="module")
def fake_index(tmp_path_factory):
    """Five warc parts (600 rows each, row groups of 100) and one crawldiagnostics part, plus the
    gzipped listing, served on 127.0.0.1. Yields (base_url, server)."""
    root = tmp_path_factory.mktemp("commoncrawl")
    table = make_sample_table(rows=6 * PART_ROWS, seed=5)
    listing = []
    for index in range(6):
        subset = "warc" if index < 5 else "crawldiagnostics"
        relative = f"cc-index/table/cc-main/warc/crawl={CRAWL}/subset={subset}/part-{index:05d}-x.c000.gz.parquet"
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table.slice(index * PART_ROWS, PART_ROWS), root / relative, row_group_size=100)
        listing.append(relative)
    (root / f"crawl-data/{CRAWL}").mkdir(parents=True)
    (root / f"crawl-data/{CRAWL}/cc-index-table.paths.gz").write_bytes(gzip.compress("\n".join(listing).encode()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeIndexHandler)
    server.root, server.faults, server.requests = root, {}, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", server
    server.shutdown()
    server.server_close()  # the listening socket too, not only the serving loop


def config_for(base_url, **overrides):
    values = dict(crawl=CRAWL, rows=90, parts=3, base_url=base_url, requests_per_second=1000.0,
                  backoff_seconds=0.001, max_retries=3, min_read_bytes=4096, seed=3)
    values.update(overrides)
    return SamplerConfig(**values)


def first_part_path(server):
    return next(path for path, _ in server.requests if path.endswith(".parquet"))


def test_sample_reads_only_what_it_needs(fake_index):
    base_url, server = fake_index
    server.requests.clear()
    client = PoliteClient(config_for(base_url))
    table = build_sample(config_for(base_url), client, log=lambda line: None)
    assert table.num_rows == 90
    assert table.column_names == ["url", "url_host_name", "url_protocol", "url_port", "url_path", "url_query",
                                  "fetch_status", "content_mime_type", "crawl", "part"]
    assert len(set(table.column("part").to_pylist())) == 3
    assert all("subset=warc" in path for path, _ in server.requests if path.endswith(".parquet"))
    assert all(byte_range for path, byte_range in server.requests if path.endswith(".parquet"))
    part_bytes = sum((server.root / path).stat().st_size for path in {p for p, _ in server.requests if p.endswith(".parquet")})
    assert client.bytes_received < part_bytes  # range requests, not whole downloads
    assert client.retries == 0


def test_same_seed_same_sample_and_503_is_retried(fake_index):
    base_url, server = fake_index
    expected = build_sample(config_for(base_url), log=lambda line: None)
    server.requests.clear()
    listing = f"crawl-data/{CRAWL}/cc-index-table.paths.gz"
    server.faults[listing] = ["503", "503"]
    sleeps = []
    client = PoliteClient(config_for(base_url, backoff_seconds=0.01), sleep=sleeps.append)
    table = build_sample(config_for(base_url), client, log=lambda line: None)
    assert table.equals(expected)
    assert client.retries == 2
    assert [path for path, _ in server.requests[:3]] == [listing] * 3
    assert 0.01 in sleeps and 0.02 in sleeps  # exponential back-off


@pytest.mark.parametrize("fault", ["truncate", "short"])
def test_truncated_response_is_retried(fake_index, fault):
    base_url, server = fake_index
    server.requests.clear()
    expected = build_sample(config_for(base_url), log=lambda line: None)
    part = first_part_path(server)
    server.requests.clear()
    server.faults[part] = [None, fault]  # the size probe succeeds, the footer read is cut short
    client = PoliteClient(config_for(base_url))
    table = build_sample(config_for(base_url), client, log=lambda line: None)
    assert table.equals(expected)
    assert client.retries == 1


def test_persistent_503_gives_up_with_one_line(fake_index):
    base_url, server = fake_index
    server.faults[f"crawl-data/{CRAWL}/cc-index-table.paths.gz"] = ["503"] * 4
    with pytest.raises(CommonCrawlError, match=r"gave up after 4 attempts \(last: HTTP 503\)"):
        build_sample(config_for(base_url), log=lambda line: None)


def test_403_and_404_are_explained(fake_index):
    base_url, server = fake_index
    server.faults[f"crawl-data/{CRAWL}/cc-index-table.paths.gz"] = ["403"]
    with pytest.raises(CommonCrawlError, match="403 Forbidden"):
        build_sample(config_for(base_url), log=lambda line: None)
    with pytest.raises(CommonCrawlError, match="404 Not Found.*crawl name"):
        build_sample(config_for(base_url, crawl="CC-MAIN-1999-01"), log=lambda line: None)


def test_requests_are_paced():
    clock = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        clock[0] += seconds

    client = PoliteClient(config_for("http://127.0.0.1:9/", requests_per_second=2.0), sleep=sleep, clock=lambda: clock[0])
    for _ in range(3):
        client._pace()
    assert sleeps == [0.5, 0.5]


def test_command_line(fake_index, tmp_path, capsys):
    base_url, _ = fake_index
    out = tmp_path / "sample.parquet"
    status = main(["commoncrawl-sample", "--crawl", CRAWL, "--rows", "40", "--parts", "2", "--out", str(out),
                   "--base-url", base_url, "--requests-per-second", "1000"])
    assert status == 0
    assert pq.read_table(out).num_rows == 40
    assert main(["commoncrawl-sample", "--crawl", "2024-33", "--rows", "4", "--out", str(out)]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error[-1] == "error: crawl must look like CC-MAIN-2024-33, got '2024-33'"
    assert main(["commoncrawl-sample", "--crawl", CRAWL, "--rows", "4", "--out", str(out), "--base-url",
                 base_url + "missing/", "--requests-per-second", "1000"]) == 2
    assert "404 Not Found" in capsys.readouterr().err


def no_network(monkeypatch):
    """Name resolution fails as it does on a machine without network (the stand-in server keeps running)."""
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    monkeypatch.setattr(socket, "getaddrinfo", fail)


def test_without_network_the_notebook_gets_the_embedded_sample_and_one_line(fake_index, tmp_path, monkeypatch):
    base_url, server = fake_index
    server.requests.clear()
    no_network(monkeypatch)
    with pytest.raises(NoNetworkError, match="no network"):  # at once: no retries for a missing network
        PoliteClient(config_for(base_url)).get(base_url + "anything")
    frame, line = live_sample_or_fallback(config_for(base_url), tmp_path / "live.parquet", SAMPLE_PATH)
    assert line == "no network (127.0.0.1 cannot be reached): using the embedded sample data/cc-index-sample.parquet " \
                   "(46,148 rows)"
    assert len(frame) == 46_148 and list(frame.columns) == pq.read_schema(SAMPLE_PATH).names
    assert not (tmp_path / "live.parquet").exists() and server.requests == []


def test_with_network_the_notebook_gets_the_live_sample_and_one_line(fake_index, tmp_path):
    base_url, _ = fake_index
    out = tmp_path / "live.parquet"
    client = PoliteClient(config_for(base_url))
    frame, line = live_sample_or_fallback(config_for(base_url), out, SAMPLE_PATH, client=client)
    assert re.fullmatch(rf"live index: 90 rows of {CRAWL} from 3 index parts \({client.requests} requests, "
                        r"0\.\d MB\), written to live\.parquet", line), line
    assert frame.equals(pq.read_table(out).to_pandas())
    assert frame["part"].nunique() == 3 and frame["fetch_status"].notna().all()


def test_a_failing_index_or_no_fetch_falls_back_with_the_reason(fake_index, tmp_path):
    base_url, _ = fake_index
    fallback = tmp_path / "fallback.parquet"
    pq.write_table(make_sample_table(rows=40), fallback)
    frame, line = live_sample_or_fallback(config_for(base_url, crawl="CC-MAIN-1999-01"), tmp_path / "x.parquet", fallback)
    assert line.startswith("the live index failed (") and "404 Not Found" in line
    assert line.endswith("): using the embedded sample fallback.parquet (40 rows)") and len(frame) == 40
    _, line = live_sample_or_fallback(config_for(base_url), tmp_path / "x.parquet", fallback, fetch=False)
    assert line == "the live index is not sampled in this run: using the embedded sample fallback.parquet (40 rows)"
    assert not (tmp_path / "x.parquet").exists()

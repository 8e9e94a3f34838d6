"""A small, polite sample of Common Crawl's columnar URL index, over plain HTTPS.

    python -m helpers commoncrawl-sample --crawl CC-MAIN-2024-33 --rows 20000 --out cc-sample.parquet

The index of one crawl is ~300 parquet files ("parts") under
``cc-index/table/cc-main/warc/crawl=CC-MAIN-2024-33/subset=warc/``, listed in
``crawl-data/CC-MAIN-2024-33/cc-index-table.paths.gz``. Each part is sorted by SURT key, so one part
holds one family of hosts: a useful sample takes a little from several random parts. Nothing is
downloaded whole: pyarrow reads the footer of a part, then only the chosen columns of a few random
row groups, through HTTP range requests (``HttpRangeFile``). Requests are paced
(``requests_per_second``) and retried with exponential back-off on 503, 429, 5xx, dropped
connections and truncated bodies, as Common Crawl asks of its users. ``live_sample_or_fallback`` is
what a notebook calls: the live sample, or the embedded one with one line saying why (no network).
"""

from __future__ import annotations

import errno
import gzip
import http.client
import io
import random
import re
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from helpers.locations import REPOSITORY_ROOT

BASE_URL = "https://data.commoncrawl.org/"
SAMPLE_COLUMNS = ("url", "url_host_name", "url_protocol", "url_port", "url_path", "url_query",
                  "fetch_status", "content_mime_type")
RETRY_STATUSES = {429, 500, 502, 503, 504}
USER_AGENT = "porting-code-sampler/1.0 (+https://github.com/porting-code/porting-code)"


class CommonCrawlError(RuntimeError):
    """The sample could not be built: the message is one line that says why."""


class NoNetworkError(CommonCrawlError):
    """The index's host cannot be reached at all (its name does not resolve, no route): retrying will
    not bring the network back."""


NO_NETWORK_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH}  # no route: the same as no network


@dataclass
class SamplerConfig:
    crawl: str  # e.g. CC-MAIN-2024-33 (see https://index.commoncrawl.org/collinfo.json)
    rows: int  # rows in the sample, spread evenly over the parts
    parts: int = 4  # random index parts to draw from; each part is one family of hosts (SURT order)
    row_groups_per_part: int = 1  # random row groups read from each part (a row group is ~100k+ rows)
    columns: tuple[str, ...] = SAMPLE_COLUMNS  # only these columns are downloaded
    base_url: str = BASE_URL  # the HTTPS mirror of s3://commoncrawl/ (tests use a local server)
    requests_per_second: float = 2.0  # pace of requests: Common Crawl is shared by everyone
    max_retries: int = 6  # attempts after the first, for 503/429/5xx/dropped/truncated responses
    backoff_seconds: float = 2.0  # first back-off; doubles on every retry (Retry-After wins if larger)
    timeout_seconds: float = 60.0  # per request
    min_read_bytes: int = 64 * 1024  # small reads (footer, page headers) are widened to this and cached
    seed: int = 0  # which parts, row groups and rows are drawn

    def __post_init__(self) -> None:
        if not re.fullmatch(r"CC-MAIN-\d{4}-\d{2}", self.crawl):
            raise ValueError(f"crawl must look like CC-MAIN-2024-33, got {self.crawl!r}")
        for name in ("rows", "parts", "row_groups_per_part"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.requests_per_second <= 0:
            raise ValueError(f"requests_per_second must be positive, got {self.requests_per_second}")
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {self.base_url!r}")
        if not self.base_url.endswith("/"):
            self.base_url += "/"


class PoliteClient:
    """HTTP GET with a minimum interval between requests and exponential back-off on transient errors."""

    def __init__(self, config: SamplerConfig, sleep=time.sleep, clock=time.monotonic):
        self.config = config
        self.sleep = sleep
        self.clock = clock
        self.last_request = -float("inf")
        self.requests = 0  # every attempt, retries included
        self.retries = 0
        self.bytes_received = 0

    def _pace(self) -> None:
        wait = self.last_request + 1.0 / self.config.requests_per_second - self.clock()
        if wait > 0:
            self.sleep(wait)
        self.last_request = self.clock()

    def get(self, url: str, byte_range: tuple[int, int] | None = None) -> tuple[bytes, dict[str, str]]:
        """Body and headers of ``url``; ``byte_range=(start, end)`` asks for bytes start..end-1 and
        checks that exactly that many arrived."""
        headers = {"User-Agent": USER_AGENT}
        if byte_range is not None:
            headers["Range"] = f"bytes={byte_range[0]}-{byte_range[1] - 1}"
        problem = ""
        for attempt in range(self.config.max_retries + 1):
            if attempt:
                self.retries += 1
            self._pace()
            self.requests += 1
            retry_after = 0.0
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                            timeout=self.config.timeout_seconds) as response:
                    body = response.read()
                    response_headers = {key.lower(): value for key, value in response.headers.items()}
                self.bytes_received += len(body)
                if byte_range is not None and len(body) != byte_range[1] - byte_range[0]:
                    problem = f"asked for {byte_range[1] - byte_range[0]} bytes, got {len(body)}"
                else:
                    return body, response_headers
            except urllib.error.HTTPError as error:
                if error.code == 403:
                    raise CommonCrawlError(f"{url}: 403 Forbidden (a wrong base URL? data.commoncrawl.org needs no "
                                           "credentials; s3:// needs AWS credentials)") from None
                if error.code == 404:
                    raise CommonCrawlError(f"{url}: 404 Not Found (check the crawl name, e.g. CC-MAIN-2024-33)") from None
                if error.code not in RETRY_STATUSES:
                    raise CommonCrawlError(f"{url}: HTTP {error.code} {error.reason}") from None
                problem = f"HTTP {error.code}"
                retry_after = _seconds(error.headers.get("Retry-After"))
            except http.client.IncompleteRead as error:
                problem = f"truncated response ({len(error.partial)} bytes, then the connection closed)"
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as error:
                reason = getattr(error, "reason", error)
                if isinstance(reason, socket.gaierror):  # DNS: retrying will not bring the network back
                    raise NoNetworkError(f"cannot resolve the host of {url} ({reason}): no network? "
                                           "Use the embedded sample in data/ instead") from None
                if isinstance(reason, OSError) and reason.errno in NO_NETWORK_ERRNOS:
                    raise NoNetworkError(f"cannot reach the host of {url} ({reason.strerror}): no network? "
                                         "Use the embedded sample in data/ instead") from None
                problem = f"{type(error).__name__}: {reason}"
            if attempt < self.config.max_retries:
                self.sleep(max(self.config.backoff_seconds * 2 ** attempt, retry_after))
        raise CommonCrawlError(f"{url}: gave up after {self.config.max_retries + 1} attempts (last: {problem}); "
                               "no network, or the server is overloaded: try again later")

    def size(self, url: str) -> int:
        """Total size of ``url`` in bytes, from the Content-Range of a 1-byte range request."""
        _, headers = self.get(url, (0, 1))
        match = re.search(r"/(\d+)$", headers.get("content-range", ""))
        if not match:
            raise CommonCrawlError(f"{url}: the server does not answer range requests (no Content-Range)")
        return int(match.group(1))


class HttpRangeFile(io.RawIOBase):
    """A read-only, seekable file over HTTP range requests, for ``pyarrow.parquet.ParquetFile``.

    Reads shorter than ``min_read_bytes`` fetch that much and keep it, so the footer and the page
    headers cost one request instead of dozens.
    """

    def __init__(self, client: PoliteClient, url: str):
        super().__init__()
        self.client = client
        self.url = url
        self.length = client.size(url)
        self.position = 0
        self.cache_start = 0
        self.cache = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.length}[whence]
        self.position = max(0, base + offset)
        return self.position

    def read(self, size: int = -1) -> bytes:
        end = self.length if size is None or size < 0 else min(self.length, self.position + size)
        if end <= self.position:
            return b""
        cache_end = self.cache_start + len(self.cache)
        if not (self.cache_start <= self.position and end <= cache_end):
            start = self.position
            fetch_end = max(end, start + self.client.config.min_read_bytes)
            if fetch_end > self.length:  # near the end (the footer): widen backwards instead
                fetch_end = self.length
                start = max(0, min(start, self.length - self.client.config.min_read_bytes))
            self.cache, _ = self.client.get(self.url, (start, fetch_end))
            self.cache_start = start
        data = self.cache[self.position - self.cache_start:end - self.cache_start]
        self.position = end
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _seconds(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0


def list_parts(client: PoliteClient, crawl: str) -> list[str]:
    """Paths (relative to the base URL) of the ``subset=warc`` index parts of ``crawl``."""
    listing_url = f"{client.config.base_url}crawl-data/{crawl}/cc-index-table.paths.gz"
    body, _ = client.get(listing_url)
    try:
        text = gzip.decompress(body).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise CommonCrawlError(f"{listing_url} is not a gzipped list of paths ({error})") from None
    parts = [line.strip() for line in text.splitlines() if "/subset=warc/" in line and line.strip().endswith(".parquet")]
    if not parts:
        raise CommonCrawlError(f"{listing_url} lists no subset=warc parquet files")
    return parts


def sample_part(client: PoliteClient, url: str, rows: int, rng: random.Random) -> pa.Table:
    """Up to ``rows`` random rows of the configured columns from random row groups of one part."""
    config = client.config
    try:
        parquet = pq.ParquetFile(HttpRangeFile(client, url))
        missing = [column for column in config.columns if column not in parquet.schema_arrow.names]
        if missing:
            raise CommonCrawlError(f"{url} has no column(s) {missing}")
        groups = rng.sample(range(parquet.num_row_groups), min(config.row_groups_per_part, parquet.num_row_groups))
        table = parquet.read_row_groups(sorted(groups), columns=list(config.columns))
    except (pa.ArrowInvalid, OSError) as error:
        raise CommonCrawlError(f"{url} is not a readable parquet file ({str(error).splitlines()[0]})") from None
    if table.num_rows > rows:
        table = table.take(sorted(rng.sample(range(table.num_rows), rows)))
    return table


def build_sample(config: SamplerConfig, client: PoliteClient | None = None, log=print) -> pa.Table:
    """A table of ``config.rows`` rows (fewer if the chosen row groups hold fewer) from
    ``config.parts`` random parts of the crawl's index, plus ``crawl`` and ``part`` columns."""
    client = client or PoliteClient(config)
    rng = random.Random(config.seed)
    parts = list_parts(client, config.crawl)
    chosen = rng.sample(parts, min(config.parts, len(parts)))
    tables = []
    for index, path in enumerate(chosen):
        share = config.rows // len(chosen) + (1 if index < config.rows % len(chosen) else 0)
        table = sample_part(client, config.base_url + path, share, rng)
        table = table.append_column("crawl", pa.array([config.crawl] * table.num_rows, pa.string()))
        table = table.append_column("part", pa.array([path.rsplit("/", 1)[-1]] * table.num_rows, pa.string()))
        tables.append(table)
        log(f"part {index + 1}/{len(chosen)} {path.rsplit('/', 1)[-1]}: {table.num_rows} rows "
            f"({client.requests} requests, {client.bytes_received / 1e6:.1f} MB so far)")
    return pa.concat_tables(tables, promote_options="permissive")


def _write(table: pa.Table, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out, compression="zstd")


def write_commoncrawl_sample(config: SamplerConfig, out: str | Path, log=print) -> Path:
    """Build the sample and write it as zstd parquet to ``out``."""
    out = Path(out)
    table = build_sample(config, log=log)
    _write(table, out)
    log(f"wrote {table.num_rows} rows to {out}")
    return out


def _shown(path: Path) -> str:
    """``path`` as a reader may see it: relative to the checkout (data/...), else its file name only."""
    try:
        return path.resolve().relative_to(REPOSITORY_ROOT.resolve()).as_posix()
    except ValueError:
        return path.name


def live_sample_or_fallback(config: SamplerConfig, out: str | Path, fallback: str | Path, fetch: bool = True,
                            client: PoliteClient | None = None) -> tuple[pd.DataFrame, str]:
    """The index sample a notebook works on, and one line that says where it comes from.

    With ``fetch`` and a network: ``config``'s live sample of the index, written to ``out`` as parquet.
    Without network (or when the index fails, or ``fetch`` is False): the parquet file ``fallback`` (the
    embedded sample), and the line says why. Never raises ``CommonCrawlError``: a notebook cell prints
    the line instead of a trace. Returns (pandas DataFrame, line).
    """
    out, fallback = Path(out), Path(fallback)
    if not fetch:
        reason = "the live index is not sampled in this run"
    else:
        client = client or PoliteClient(config)
        try:
            table = build_sample(config, client, log=lambda line: None)
        except NoNetworkError:
            reason = f"no network ({urlsplit(config.base_url).hostname} cannot be reached)"
        except CommonCrawlError as error:
            reason = f"the live index failed ({error})"
        else:
            _write(table, out)
            parts = len(set(table.column("part").to_pylist()))
            return table.to_pandas(), (f"live index: {table.num_rows:,} rows of {config.crawl} from {parts} index parts "
                                       f"({client.requests} requests, {client.bytes_received / 1e6:.1f} MB), "
                                       f"written to {out.name}")
    frame = pq.read_table(fallback).to_pandas()
    return frame, f"{reason}: using the embedded sample {_shown(fallback)} ({len(frame):,} rows)"

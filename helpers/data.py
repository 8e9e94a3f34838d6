"""URL data: the embedded cc-index-like sample, a leak-free train/validation split, batch vectorization.

* ``index_record(url)`` derives the Common Crawl index columns (``url_host_name``, ``url_protocol``,
  ``url_port``, ``url_path``, ``url_query``, ...) from a URL with ``urllib.parse``, so a generated
  sample has the same schema as the real index.
* ``real_sample_table()`` builds the embedded sample in ``data/`` from ``data/real_urls.txt``, real
  URLs under open licenses (Common Crawl is out of reach on the build machines): the index columns
  a URL gives, and null for those a URL list cannot give (fetch status, MIME type, crawl, subset);
  ``read_sample()`` reads it back. ``make_sample_table(rows, seed)`` makes a generated index table
  (every column filled) for tests and offline experiments.
* ``is_validation(urls)`` puts a URL in the validation split by a stable hash of its text, so the
  same URL always lands on the same side: on one machine, on a Spark cluster, next year.
* ``real_url_split()`` splits ``data/real_urls.txt`` (46,148 real, openly licensed URLs) by host:
  all the URLs of one site land on the same side, so a held-out URL's site was never seen.
* ``vectorize_batch`` / ``batch_view`` turn a batch of URLs into the model's arrays and back into a
  pandas table for debugging; ``url_training_batches`` is the infinite training stream over a list
  of URLs.

Nothing here imports Spark: a Spark job calls these same functions inside a pandas UDF.
"""

from __future__ import annotations

import hashlib
import random
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from helpers.lines import read_text_lines
from helpers.locations import REAL_URLS_PATH, SAMPLE_PATH  # noqa: F401  (notebooks import SAMPLE_PATH here)
from helpers.url_generator import UrlGenerator
from helpers.vectorization import batches_by_length, decode, teacher_forcing_batch

if TYPE_CHECKING:  # for the annotations only: the functions' entries import this module's real URLs
    from helpers.functions import LearnedFunction

GENERATED_ROWS = 50_000  # rows of a generated index table by default (make_sample_table)
SAMPLE_SEED = 2024  # the URL generator's seed for generated index tables (make_sample_table)
SYNTHETIC_CRAWL = "SYNTHETIC-url_generator"  # the `crawl` column of generated rows: never a real crawl id
HASH_BUCKETS = 10_000  # resolution of the split: validation fractions are multiples of 1/10000

# The cc-index columns of the embedded sample, in the order and with the types of the real table
# (https://commoncrawl.org/columnar-index). Real rows have more columns (url_surtkey, fetch_time, WARC
# offsets, digests...); they are left out to keep the file small.
INDEX_SCHEMA = pa.schema([
    ("url", pa.string()),
    ("url_host_name", pa.string()),  # lower-case host, None for relative links
    ("url_host_tld", pa.string()),  # last label of the host
    ("url_protocol", pa.string()),  # scheme, lower case ("" when there is none)
    ("url_port", pa.int32()),  # explicit port, None when absent or invalid
    ("url_path", pa.string()),
    ("url_query", pa.string()),  # None when the URL has no '?'
    ("fetch_status", pa.int16()),  # HTTP status of the capture (null in the embedded sample: no capture)
    ("content_mime_type", pa.string()),  # the server's Content-Type, no parameters (null likewise)
    ("crawl", pa.string()),  # partition column of the real index, e.g. CC-MAIN-2024-33 (null likewise)
    ("subset", pa.string()),  # partition column: warc, crawldiagnostics, robotstxt (null likewise)
])
INDEX_COLUMNS = INDEX_SCHEMA.names

MIME_BY_EXTENSION = {
    "html": "text/html", "htm": "text/html", "php": "text/html", "asp": "text/html", "aspx": "text/html",
    "jsp": "text/html", "shtml": "text/html", "cfm": "text/html", "do": "text/html", "action": "text/html",
    "pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
    "svg": "image/svg+xml", "webp": "image/webp", "ico": "image/x-icon", "css": "text/css",
    "js": "application/javascript", "json": "application/json", "xml": "application/xml", "rss": "application/rss+xml",
    "txt": "text/plain", "zip": "application/zip", "exe": "application/octet-stream", "bin": "application/octet-stream",
    "apk": "application/vnd.android.package-archive", "doc": "application/msword", "mp3": "audio/mpeg",
    "mp4": "video/mp4", "sh": "text/x-sh",
}
# (status, weight): most captures succeed; redirects and errors go to the crawldiagnostics subset
FETCH_STATUSES = [(200, 0.86), (301, 0.05), (302, 0.04), (404, 0.03), (403, 0.01), (500, 0.005), (503, 0.005)]


def surt_key(host: str | None, path: str, query: str | None) -> str:
    """A simplified SURT key: ``surt_key("www.example.com", "/a", "b=1") == "com,example)/a?b=1"``."""
    labels = [label for label in (host or "").split(".") if label]
    if labels and labels[0] == "www":
        labels = labels[1:]
    key = ",".join(reversed(labels)) + ")" + (path or "/").lower()
    return key + ("?" + query if query else "")


def index_record(url: str, rng: random.Random | None = None, capture: bool = True) -> dict:
    """The cc-index columns of one URL, derived with ``urllib.parse.urlsplit``. ``rng`` draws the
    capture fields (fetch status) that a URL alone cannot give; None gives a 200 capture; with
    ``capture`` False they are null (a list of URLs, no crawl behind it)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "http://[::1/": an unclosed IPv6 literal
        parts = urlsplit("")
    host = parts.hostname
    try:
        port = parts.port
    except ValueError:  # a port that is not a number or out of range
        port = None
    path = parts.path
    query = parts.query or None
    file_name = path.rsplit("/", 1)[-1].split(";")[0]
    extension = file_name.rpartition(".")[2].lower() if "." in file_name else ""
    status = 200 if rng is None else rng.choices(
        [status for status, _ in FETCH_STATUSES], weights=[weight for _, weight in FETCH_STATUSES])[0]
    record = {
        "url": url,
        "url_host_name": host,
        "url_host_tld": host.rsplit(".", 1)[-1] if host else None,
        "url_protocol": parts.scheme.lower(),
        "url_port": port,
        "url_path": path,
        "url_query": query,
        "fetch_status": status,
        "content_mime_type": MIME_BY_EXTENSION.get(extension, "text/html") if status == 200 else "unk",
        "crawl": SYNTHETIC_CRAWL,
        "subset": "warc" if status == 200 else "crawldiagnostics",
    }
    if not capture:
        record.update(fetch_status=None, content_mime_type=None, crawl=None, subset=None)
    return record


def make_sample_table(rows: int = GENERATED_ROWS, seed: int = SAMPLE_SEED) -> pa.Table:
    """``rows`` generated URLs with their cc-index columns, sorted by SURT key like a real index part.

    Returns a ``pyarrow.Table`` with schema ``INDEX_SCHEMA`` and ``rows`` rows.
    """
    if rows < 1:
        raise ValueError(f"rows must be positive, got {rows}")
    generator = UrlGenerator(seed)
    capture_rng = random.Random(seed + 1)
    records = [index_record(generator(), capture_rng) for _ in range(rows)]
    records.sort(key=lambda record: surt_key(record["url_host_name"], record["url_path"], record["url_query"]))
    return pa.Table.from_pylist(records, schema=INDEX_SCHEMA)


def read_real_urls(path: str | Path | None = None) -> list[str]:
    """The lines of ``data/real_urls.txt`` (split on "\\n" only; no line is empty)."""
    path = Path(path or REAL_URLS_PATH)
    if not path.is_file():
        raise ValueError(f"{path} is missing: it ships with the repository (data/README.md)")
    return [line for line in read_text_lines(path) if line]


def real_sample_table(path: str | Path | None = None) -> pa.Table:
    """Every URL of ``data/real_urls.txt`` with the index columns a URL gives (capture columns null),
    sorted by SURT key like a real index part. Schema ``INDEX_SCHEMA``."""
    records = [index_record(url, capture=False) for url in read_real_urls(path)]
    records.sort(key=lambda record: (surt_key(record["url_host_name"], record["url_path"], record["url_query"]),
                                     record["url"]))
    return pa.Table.from_pylist(records, schema=INDEX_SCHEMA)


def write_sample(path: str | Path = SAMPLE_PATH, urls: str | Path | None = None) -> Path:
    """Write the embedded sample (``real_sample_table``) as zstd parquet, row groups of 10,000 rows
    like a small index part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(real_sample_table(urls), path, compression="zstd", row_group_size=10_000)
    return path


def read_sample(path: str | Path = SAMPLE_PATH, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The embedded sample (or any cc-index parquet) as pandas, without Spark."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path} does not exist; regenerate it with: python -m helpers make-sample-data")
    return pq.read_table(path, columns=list(columns) if columns else None).to_pandas()


# ------------------------------------------------------------------------------------------------
# Train / validation split by a stable hash
# ------------------------------------------------------------------------------------------------
def url_hash_bucket(url: str) -> int:
    """A bucket in [0, HASH_BUCKETS) from BLAKE2b of the URL's UTF-8 bytes. Python's ``hash()`` is
    salted per process, so it cannot be used: a cluster's workers would disagree."""
    if not isinstance(url, str):
        raise ValueError(f"a URL must be a str, got {url!r} (filter out null URLs first)")
    digest = hashlib.blake2b(url.encode("utf-8", errors="surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % HASH_BUCKETS


def is_validation(urls: Sequence[str] | pd.Series, validation_fraction: float = 0.1) -> np.ndarray:
    """Boolean array of shape (len(urls),): True for the URLs of the validation split.

    The same URL text always gets the same answer, so a URL that occurs twice in the data (or in two
    crawls) is never on both sides. Use it as is in a Spark ``pandas_udf``.
    """
    if not 0.0 <= validation_fraction <= 1.0:
        raise ValueError(f"validation_fraction must be in [0, 1], got {validation_fraction}")
    threshold = round(validation_fraction * HASH_BUCKETS)
    return np.fromiter((url_hash_bucket(url) < threshold for url in urls), dtype=bool, count=len(urls))


def split_urls(urls: Sequence[str], validation_fraction: float = 0.1) -> tuple[list[str], list[str]]:
    """(training URLs, validation URLs), order kept, by ``is_validation``."""
    mask = is_validation(urls, validation_fraction)
    return ([url for url, held in zip(urls, mask) if not held], [url for url, held in zip(urls, mask) if held])


def split_key(url: str) -> str:
    """What the split by host hashes: the lower-case host (so a site is on one side only), or the
    whole text for a link without one (relative links, mailto:, javascript:)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:  # an unclosed IPv6 bracket: no host to read
        host = None
    return host or url


def split_by_host(urls: Sequence[str], validation_fraction: float = 0.1) -> tuple[list[str], list[str]]:
    """(training URLs, held-out URLs), order kept: the held-out side has every URL of about
    ``validation_fraction`` of the hosts (by ``is_validation`` of ``split_key``)."""
    mask = is_validation([split_key(url) for url in urls], validation_fraction)
    return ([url for url, held in zip(urls, mask) if not held], [url for url, held in zip(urls, mask) if held])


def real_url_split(validation_fraction: float = 0.1, path: str | Path | None = None) -> tuple[list[str], list[str]]:
    """``data/real_urls.txt`` split by host: (training URLs, held-out URLs); notebook 02 writes the
    same split with Spark (``helpers.spark.validation_column(..., by_host=True)``)."""
    return split_by_host(read_real_urls(path), validation_fraction)


def read_split_folder(path: str | Path) -> tuple[list[str], list[str]]:
    """The split notebook 02 writes (a parquet folder partitioned by ``validation``, column ``url``):
    (training URLs, held-out URLs), each side in the order parquet gives it."""
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_dir():
        raise ValueError(f"{path} is not a folder of the split notebook 02 writes (run notebook 02 first)")
    table = pq.read_table(path, columns=["url", "validation"])
    sides = [str(value).lower() for value in table.column("validation").to_pylist()]
    if not set(sides) <= {"true", "false"}:
        raise ValueError(f"{path}: the validation column holds {sorted(set(sides) - {'true', 'false'})}, not true/false")
    urls = table.column("url").to_pylist()
    return ([url for url, side in zip(urls, sides) if side == "false"],
            [url for url, side in zip(urls, sides) if side == "true"])


# ------------------------------------------------------------------------------------------------
# Batch vectorization and its debugging view
# ------------------------------------------------------------------------------------------------
def vectorize_batch(
    urls: Sequence[str], function: LearnedFunction, bucket: int = 8,
) -> tuple[list[str], dict[str, np.ndarray], np.ndarray]:
    """URLs -> (targets, features, decoder_targets) for teacher forcing.

    targets:          list of batch strings, the real function's output as compact JSON
    features:         {"encoder_ids": (batch, time_in), "decoder_ids": (batch, time_out)} int32
    decoder_targets:  (batch, time_out) int32
    URLs longer than ``function.max_input_bytes`` raise ValueError (filter them first).
    """
    targets = [function.output_text(url) for url in urls]
    features, decoder_targets = teacher_forcing_batch(
        urls, targets, bucket=bucket, max_input_length=function.max_input_bytes + 1)
    return targets, features, decoder_targets


def batch_view(**columns) -> pd.DataFrame:
    """A pandas table with one row per example, for looking at a batch while debugging.

    Each keyword is a column: lists are shown as they are; 2-D id arrays of shape (batch, time) are
    shown as their decoded text plus their length in ids without padding. The article used
    ``pd.DataFrame(locals())`` for this; naming the columns keeps unrelated locals out.
    """
    table: dict[str, object] = {}
    sizes = set()
    for name, values in columns.items():
        array = np.asarray(values) if isinstance(values, np.ndarray) else None
        if array is not None and array.ndim == 2:
            table[name] = [decode(row) for row in array]
            table[f"{name}_length"] = (array != 0).sum(axis=1)
            sizes.add(array.shape[0])
        elif array is not None and array.ndim != 1:
            raise ValueError(f"column {name!r} has shape {array.shape}; expected (batch,) or (batch, time)")
        else:
            table[name] = list(values)
            sizes.add(len(table[name]))
    if len(sizes) > 1:
        raise ValueError(f"columns have different batch sizes: {sorted(sizes)}")
    return pd.DataFrame(table)


def url_training_batches(
    urls: Sequence[str], function: LearnedFunction, batch_size: int = 128, pool_batches: int = 16,
    bucket: int = 8, seed: int = 1,
) -> Iterator[tuple[dict[str, np.ndarray], np.ndarray]]:
    """Infinite stream of teacher-forcing batches over ``urls`` (the training split).

    Each round shuffles the URLs, takes ``batch_size * pool_batches`` of them, buckets that pool by
    length (``vectorization.batches_by_length``: less padding), and yields the batches in random order: ``({"encoder_ids": (batch, time_in), "decoder_ids": (batch, time_out)}, (batch, time_out))``.
    URLs longer than ``function.max_input_bytes``, and URLs the real function rejects, are skipped.
    """
    usable = [url for url in urls if url and len(url.encode("utf-8")) <= function.max_input_bytes]
    if len(usable) < batch_size:
        raise ValueError(f"{len(usable)} usable URLs (of {len(urls)}) cannot fill a batch of {batch_size}")
    rng = random.Random(seed)
    order = list(range(len(usable)))
    position = len(order)
    max_input_length = function.max_input_bytes + 1
    while True:
        pool: list[tuple[str, str]] = []
        for _ in range(50 * batch_size * pool_batches):  # bounded: a pool of only rejected URLs must stop
            if len(pool) == batch_size * pool_batches:
                break
            if position == len(order):  # one pass over the data done: reshuffle
                rng.shuffle(order)
                position = 0
            url = usable[order[position]]
            position += 1
            try:
                pool.append((url, function.output_text(url)))
            except ValueError:  # the real function rejects it (e.g. an invalid IPv6 literal): no target
                continue
        if len(pool) < batch_size:
            raise ValueError(f"the real function {function.name!r} rejects almost every URL given")
        for batch in batches_by_length(pool, batch_size, rng):
            yield teacher_forcing_batch([pair[0] for pair in batch], [pair[1] for pair in batch], bucket=bucket,
                                        max_input_length=max_input_length)


def measure_throughput(batches: Iterator[tuple[dict[str, np.ndarray], np.ndarray]], seconds: float) -> dict:
    """Draw batches for about ``seconds`` and return {"urls", "batches", "seconds", "urls_per_second"}."""
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    urls = count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        features, _ = next(batches)
        urls += features["encoder_ids"].shape[0]
        count += 1
    elapsed = time.perf_counter() - started
    return {"urls": urls, "batches": count, "seconds": round(elapsed, 2), "urls_per_second": round(urls / elapsed, 1)}

"""The embedded sample, the hash split and batch vectorization (no Spark here: see test_spark.py)."""

import itertools
import random
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

from helpers.cli import main
from helpers.data import (INDEX_COLUMNS, SAMPLE_PATH, batch_view, index_record, is_validation, make_sample_table,
                          read_sample, split_urls, url_training_batches, vectorize_batch)
from helpers.functions import get_function
from helpers.url_generator import UrlGenerator
from helpers.vectorization import decode


def test_index_record_matches_urllib():
    record = index_record("HTTPS://user@www.Example.co.uk:8443/a/b.pdf;p?q=1&r=2#frag")
    assert record["url_protocol"] == "https"
    assert record["url_host_name"] == "www.example.co.uk"
    assert record["url_host_tld"] == "uk"
    assert record["url_port"] == 8443
    assert record["url_path"] == "/a/b.pdf;p"
    assert record["url_query"] == "q=1&r=2"
    assert record["content_mime_type"] == "application/pdf"
    relative = index_record("../img/x.png")
    assert (relative["url_protocol"], relative["url_host_name"], relative["url_query"]) == ("", None, None)
    assert index_record("http://a.com:99999/")["url_port"] is None  # out of range: no crash, no port
    assert index_record("http://[::1/x")["url_host_name"] is None  # urlsplit raises: empty fields


def test_embedded_sample_is_every_real_url_and_exactly_what_the_command_writes(tmp_path):
    """The sample holds every line of data/real_urls.txt once, each row's url_* columns derived by
    index_record, the capture columns null (a URL list has no capture), and it is byte for byte what
    make-sample-data writes."""
    from helpers.data import REAL_URLS_PATH, read_real_urls

    stored = pq.read_table(SAMPLE_PATH)
    assert stored.column_names == INDEX_COLUMNS
    assert SAMPLE_PATH.stat().st_size < 5_000_000
    assert sorted(stored.column("url").to_pylist()) == sorted(read_real_urls())
    for row in stored.slice(0, 2000).to_pylist():
        assert row == index_record(row["url"], capture=False)
        assert row["fetch_status"] is None and row["content_mime_type"] is None and row["crawl"] is None
    assert main(["make-sample-data", "--out", str(tmp_path / "x.parquet"), "--urls", str(REAL_URLS_PATH)]) == 0
    assert pq.read_table(tmp_path / "x.parquet").equals(stored)
    assert main(["make-sample-data", "--out", str(tmp_path / "y.parquet"), "--urls", str(tmp_path / "none.txt")]) == 2
    assert make_sample_table(rows=300).equals(make_sample_table(rows=300))  # the generated tables tests use


def test_split_is_stable_and_never_leaks():
    urls = UrlGenerator(seed=11).batch(3000)
    urls += urls[:500]  # duplicates, as in a real crawl
    training, validation = split_urls(urls, validation_fraction=0.2)
    assert not set(training) & set(validation)
    assert len(training) + len(validation) == len(urls)
    assert 0.15 < len(validation) / len(urls) < 0.25
    # the split depends on the text only, not on the order, the batch or the process (hash() is salted)
    shuffled = urls[:]
    random.Random(0).shuffle(shuffled)
    assert set(split_urls(shuffled, 0.2)[1]) == set(validation)
    code = "from helpers.data import is_validation; import sys; print(''.join('1' if v else '0' for v in is_validation(sys.argv[1:], 0.2)))"
    other_process = subprocess.run([sys.executable, "-c", code, *urls[:200]], capture_output=True, text=True, check=True)
    assert other_process.stdout.strip() == "".join("1" if value else "0" for value in is_validation(urls[:200], 0.2))
    with pytest.raises(ValueError, match="validation_fraction"):
        is_validation(urls, 1.5)


def test_vectorize_batch_and_view_round_trip():
    function = get_function("urlparse")
    urls = ["http://a.com/x?y=1", "mailto:me@b.org", "héllo/wörld"]
    targets, features, decoder_targets = vectorize_batch(urls, function)
    assert features["encoder_ids"].shape[0] == 3 and features["encoder_ids"].shape[1] % 8 == 0
    assert decoder_targets.shape == features["decoder_ids"].shape
    view = batch_view(url=urls, target=targets, encoder_ids=features["encoder_ids"], decoder_targets=decoder_targets)
    assert view["encoder_ids"].tolist() == urls
    assert view["decoder_targets"].tolist() == targets
    assert view["encoder_ids_length"].tolist() == [len(url.encode()) + 1 for url in urls]
    with pytest.raises(ValueError, match="different batch sizes"):
        batch_view(url=urls, target=targets[:2])


def test_training_stream_covers_the_training_split_only():
    function = get_function("urlparse")
    urls = read_sample(columns=["url"])["url"].tolist()[:2000]
    training, validation = split_urls(urls, 0.1)
    seen = []
    for features, decoder_targets in itertools.islice(url_training_batches(training, function, batch_size=64,
                                                                            pool_batches=4), 40):
        assert features["encoder_ids"].shape[0] == 64
        texts = [decode(row) for row in features["encoder_ids"]]
        assert [decode(row) for row in decoder_targets] == [function.output_text(text) for text in texts]
        seen += texts
    assert not set(seen) & set(validation)
    def accepted(url):
        try:
            function.output_text(url)
            return len(url.encode()) <= function.max_input_bytes
        except ValueError:  # e.g. "https://a.fr]": urlparse rejects it, so it has no target
            return False

    usable = {url for url in training if accepted(url)}
    assert set(seen) == usable  # 40 x 64 > len(training): every training URL came round at least once
    with pytest.raises(ValueError, match="cannot fill a batch"):
        next(url_training_batches(training[:10], function, batch_size=64))


def test_is_validation_returns_a_boolean_array():
    mask = is_validation(np.array(["a", "b", "c"], dtype=object), 0.5)
    assert mask.dtype == bool and mask.shape == (3,)


def test_training_stream_keeps_rejected_urls_as_errors_or_skips_them():
    import dataclasses

    function = get_function("urlparse")
    rejected = "http://[::1/unclosed"  # urlparse raises ValueError: Invalid IPv6 URL
    urls = UrlGenerator(seed=3).batch(200) + [rejected] * 100
    pairs = set()
    for features, targets in itertools.islice(url_training_batches(urls, function, batch_size=32, pool_batches=2), 20):
        pairs |= {(decode(row), decode(target)) for row, target in zip(features["encoder_ids"], targets)}
    assert (rejected, '{"error":"ValueError"}') in pairs and len(pairs) > 100  # errors as outputs: learnt

    without_errors = dataclasses.replace(function, errors_as_outputs=False)
    texts = set()
    for features, _ in itertools.islice(url_training_batches(urls, without_errors, batch_size=32, pool_batches=2), 20):
        texts |= {decode(row) for row in features["encoder_ids"]}
    assert rejected not in texts and len(texts) > 100
    with pytest.raises(ValueError, match="rejects almost every URL"):
        next(url_training_batches([rejected] * 64, without_errors, batch_size=32))


def test_split_rejects_non_strings():
    with pytest.raises(ValueError, match="filter out null URLs"):
        is_validation(["http://a.com", None])


def test_real_urls_split_by_host_keeps_every_line_and_no_site_on_both_sides():
    from helpers.data import REAL_URLS_PATH, real_url_split, split_key

    training, held_out = real_url_split(0.1)
    lines = [line for line in REAL_URLS_PATH.read_text(encoding="utf-8").split("\n") if line]
    assert len(training) + len(held_out) == len(lines) == 46_148  # no row lost
    assert not {split_key(url) for url in training} & {split_key(url) for url in held_out}
    assert 0.05 < len(held_out) / len(lines) < 0.2  # about 10% of the hosts; sites differ in size
    assert split_key("HTTPS://WWW.Example.com:8080/a") == "www.example.com"
    assert split_key("../relative/link") == "../relative/link" and split_key("http://[::1/x") == "http://[::1/x"

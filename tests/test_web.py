"""The page in a real browser (Debian's headless chromium, via Playwright) must decode exactly as the
Python decoder does. Needs tools/setup_web.sh (tools/test.sh runs it). The default engine's page is
built without the TensorFlow.js converter and without TensorFlow.js (helpers.export.save_web_model,
build_page), as in Colab; the graph engine's with both."""

import random
from pathlib import Path

import numpy as np
import pytest

from helpers.decoders import GreedyDecoder
from helpers.export import InGraphDecoder, bridge_python, build_page, convert_to_tfjs, save_saved_model, save_web_model
from helpers.functions import get_function
from helpers.lines import read_text_lines
from helpers.locations import DEV_URLS_PATH, REAL_URLS_PATH
from helpers.model import Seq2SeqConfig
from helpers.web import Browser, build_site, serve

CONFIG = Seq2SeqConfig(units=32, embedding_dim=16, max_input_length=65, max_output_length=24)
# The other branches of the step engine (web/model.js StepDecoder): one encoder direction, no
# positions, scaled attention over [encoder outputs, byte embeddings].
OTHER_CONFIG = Seq2SeqConfig(units=24, embedding_dim=8, bidirectional_encoder=False, position_features=0,
                             attention_scale=True, attend_to_embeddings=True, max_input_length=65, max_output_length=30)
# Stacked encoder LSTMs (encoder_layers): the layers above the first read vectors, not byte ids.
STACKED_CONFIG = Seq2SeqConfig(units=32, embedding_dim=16, encoder_layers=3, max_input_length=65, max_output_length=24)
# The shipped urlparse model's output term: the copy mechanism's gate and scatter onto input byte ids.
COPY_CONFIG = Seq2SeqConfig(units=32, embedding_dim=16, attend_to_embeddings=True, copy_mechanism=True,
                            max_input_length=65, max_output_length=24)
# reverse_output: the decoder writes each output last byte first; the page must show it in order.
REVERSE_CONFIG = Seq2SeqConfig(units=32, embedding_dim=16, reverse_output=True, max_input_length=65, max_output_length=24)


def browser_inputs(max_bytes: int) -> list[str]:
    """30 generated URLs and 30 real ones (dev_urls.txt, when present), all short enough."""
    rng = random.Random(21)
    generator = get_function("urlparse")
    real = read_text_lines(DEV_URLS_PATH) if DEV_URLS_PATH.is_file() else []
    real = [url for url in real if 0 < len(url.encode("utf-8")) <= max_bytes][:30]
    inputs = []
    while len(inputs) < 60 - len(real):  # generated ones fill in when dev_urls.txt is absent
        text = generator.generate_input(rng)
        if len(text.encode("utf-8")) <= max_bytes:
            inputs.append(text)
    return inputs + real


def build_test_site(config, directory):
    from test_export import clear_cut_model

    inputs = browser_inputs(config.max_input_length - 1)
    for end_share in (0.08, 0.2, 0.4):  # the smallest END_ID share that gives rows of various lengths
        model = clear_cut_model(config, seed=11, end_share=end_share)
        if len({int(sum(row != 0)) for row in GreedyDecoder(model)(inputs).ids}) > 3:
            break
    decoder = InGraphDecoder(model, "urlparse")
    pages = {"step": build_page(save_web_model(decoder, directory / "web_model"), directory / "page")}
    if bridge_python().exists():  # the converter: the graph engine's page, with TensorFlow.js in vendor/
        saved_model = save_saved_model(decoder, directory / "saved_model")
        pages["graph"] = build_site(convert_to_tfjs(saved_model, directory / "tfjs", decoder), directory / "site")
    return model, pages


def site_fixture(config, name: str):
    """A module-scoped fixture ``name``: (a random model of ``config``, {engine: its page's folder})."""
    @pytest.fixture(scope="module", name=name)
    def built_site(tmp_path_factory):
        return build_test_site(config, tmp_path_factory.mktemp(name))

    return built_site


site = site_fixture(CONFIG, "site")
other_site = site_fixture(OTHER_CONFIG, "other_site")
stacked_site = site_fixture(STACKED_CONFIG, "stacked_site")
copy_site = site_fixture(COPY_CONFIG, "copy_site")
reverse_site = site_fixture(REVERSE_CONFIG, "reverse_site")


@pytest.mark.parametrize("which, engine", [("site", "step"), ("site", "graph"), ("other_site", "step"),
                                           ("copy_site", "step"), ("copy_site", "graph"), ("stacked_site", "step"),
                                           ("stacked_site", "graph"), ("reverse_site", "step"),
                                           ("reverse_site", "graph")])
def test_browser_decodes_like_python(which, engine, request):
    model, pages = request.getfixturevalue(which)
    if engine not in pages:
        pytest.skip(f"no TensorFlow.js converter at {bridge_python()} (bash tools/setup_web.sh)")
    site_directory = pages[engine]
    assert (site_directory / "vendor").is_dir() == (engine == "graph")  # the default page needs no TensorFlow.js
    inputs = browser_inputs(model.config.max_input_length - 1)
    reference = GreedyDecoder(model)(inputs)
    with serve(site_directory) as url, Browser() as browser:
        page = browser.open(url, inputs[3], engine=engine)
        assert browser.page.evaluate("window.porting.learned.engine") == engine
        assert page.state == "done", page.message
        assert page.ids == [int(value) for value in reference.ids[3] if value != 0]
        assert page.result == (reference.texts[3] or "")
        results, _ = browser.decode_batch(inputs, batch_size=7)
    assert len(results) == len(inputs) >= 50
    lengths = set()
    for index, result in enumerate(results):
        expected = [int(value) for value in reference.ids[index] if value != 0]
        assert result["ids"] == expected, inputs[index]
        assert result["text"] == reference.texts[index], inputs[index]
        np.testing.assert_allclose(result["score"], reference.scores[index], rtol=1e-4)
        lengths.add(len(expected))
    # rows ended at various steps (random stacked encoders give few lengths: ended at once, or ran on)
    assert len(lengths) > (1 if which == "stacked_site" else 3)


@pytest.mark.parametrize("query, message", [
    ("", "empty"), ("a" * 200, "at most"), ("http://a.b/\x01x", "control characters"),
])
def test_bad_input_shows_a_message(site, query, message):
    site_directory = site[1]["step"]
    with serve(site_directory) as url, Browser() as browser:
        page = browser.open(url, query)
    assert page.state == "refused"
    assert message in page.message
    assert page.result == ""


def test_non_ascii_input_runs_with_a_note(site):
    site_directory = site[1]["step"]
    with serve(site_directory) as url, Browser() as browser:
        page = browser.open(url, "http://bücher.de/ß")
    assert page.state == "done"
    assert "not ASCII" in page.message


SHIPPED_MODEL = Path(__file__).resolve().parent.parent / "models" / "urlparse"


@pytest.mark.skipif(not SHIPPED_MODEL.is_dir(), reason="models/urlparse is not shipped in this checkout")
def test_page_with_the_shipped_urlparse_model_matches_python_and_urlparse(tmp_path):
    """The page of the shipped model, without the converter: its JavaScript step decoder against
    GreedyDecoder byte for byte on 1,000 real URLs (data/real_urls.txt) and 60 more, and the parsed
    fields against urllib.parse.urlparse itself."""
    from helpers.storage import load_model

    stored = load_model(SHIPPED_MODEL)
    decoder = InGraphDecoder(stored.model, stored.task)
    site_directory = build_page(save_web_model(decoder, tmp_path / "web_model"), tmp_path / "page")
    real = [url for url in read_text_lines(REAL_URLS_PATH) if 0 < len(url.encode("utf-8")) <= 256]
    inputs = browser_inputs(200) + random.Random(5).sample(real, 1000)
    reference = GreedyDecoder(stored.model)(inputs)
    with serve(site_directory) as url, Browser() as browser:
        page = browser.open(url, inputs[0])  # the ?q= path: fills the box, parses, writes #result
        assert page.state == "done" and page.result == reference.texts[0], page.message
        results, _ = browser.decode_batch(inputs, batch_size=50)
        rejected = "http://[::1/index.html"  # urlparse raises ValueError: a model that learnt errors says so
        if GreedyDecoder(stored.model)([rejected]).texts[0] == '{"error":"ValueError"}':
            page = browser.open(url, rejected)
            assert page.state == "done" and "raises ValueError" in page.message, page.message
    for index, result in enumerate(results):
        assert result["ids"] == [int(value) for value in reference.ids[index] if value != 0], inputs[index]
    assert [result["text"] for result in results] == reference.texts
    truth = [get_function("urlparse").output_text(text) for text in inputs]
    right = sum(result["text"] == expected for result, expected in zip(results, truth))
    assert right >= 0.9 * len(inputs), f"only {right} of {len(inputs)} parsed as urlparse does"

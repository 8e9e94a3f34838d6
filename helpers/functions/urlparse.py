"""urlparse: ``urllib.parse.urlparse`` as the six fields of its result, the series' main function."""

from __future__ import annotations

from urllib.parse import urlparse

from helpers.functions.registry import LearnedFunction, register
from helpers.model_config import Seq2SeqConfig
from helpers.training_config import TrainingConfig
from helpers.url_generator import hard_url, random_url

URLPARSE_FIELD_NAMES = ("scheme", "netloc", "path", "params", "query", "fragment")
MAX_URL_BYTES = 256  # the longest URL the model takes; longer ones are flagged, never cut


def urlparse_fields(url: str) -> list[str]:
    """The six ParseResult fields, in order: scheme, netloc, path, params, query, fragment."""
    return list(urlparse(url))


def real_training_urls() -> list[str]:
    """The training side of the split by site of data/real_urls.txt (notebook 02's split)."""
    from helpers.data import real_url_split

    return real_url_split()[0]


def recipe() -> tuple[Seq2SeqConfig, TrainingConfig]:
    """Each choice below won a side-by-side run (EXPERIMENTS.md has every run and the figures)."""
    model = Seq2SeqConfig(
        units=96,  # narrower than 128: faster steps beat width at this budget, and the web page decodes faster
        embedding_dim=64,
        attend_to_embeddings=True,  # copying long random tokens byte-exactly is most of the task
        copy_mechanism=True,  # pointing at input bytes learns the copies much sooner, for a little more time per step
        max_input_length=MAX_URL_BYTES + 1,  # + END
        max_output_length=400,  # 256 input bytes + JSON quotes, commas and escapes
    )
    training = TrainingConfig(
        task="urlparse",
        batch_size=32,  # small batches: on a CPU four times the updates cost little more than one large batch
        steps_per_epoch=800,  # validate and checkpoint every 800 steps (a few minutes on 2 CPU cores)
        epochs=15,  # the budget, in steps: the same model on any machine; the time is what varies
        learning_rate=2e-3,  # lower than larger batches take: small batches are noisier
        learning_rate_decay_epochs=30,  # a cosine over twice the budget: the rate is still high at the end,
        #                                 which the weight average below smooths
        hard_input_share=0.15,  # URLs built around urlparse's rare rules (url_generator.hard_url): ';' in
        #                        paths, 'host:port', extra '?', quotes, scheme separators, what it rejects
        real_input_share=0.25,  # a quarter of the URLs real ones, from the training side of notebook 02's split
        weight_average_steps=1000,  # validate and ship a moving average of the weights over ~1000 steps
        bucket=16,  # URLs vary more in length than schemes: coarser buckets, fewer shapes to trace
        validation_size=2000,
        target_exact_match=None,  # train for the whole budget
    )
    return model, training


ENTRY = register(LearnedFunction(
    name="urlparse",
    function=urlparse_fields,
    generate_input=random_url,
    max_input_bytes=MAX_URL_BYTES,
    generate_hard_input=hard_url,
    errors_as_outputs=True,  # 'http://[::1/' -> {"error":"ValueError"}: url_generator.rejected_url draws such inputs
    output_check=lambda value: isinstance(value, list) and len(value) == 6 and all(isinstance(item, str) for item in value),
    description="urllib.parse.urlparse: the six fields as a JSON list, or {\"error\":\"ValueError\"} where it raises",
    recipe=recipe,
    output_fields=URLPARSE_FIELD_NAMES,
    real_inputs=real_training_urls,
))

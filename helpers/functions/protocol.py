"""protocol: the scheme that urlparse finds in the first 32 characters of a URL (notebook 03's toy task)."""

from __future__ import annotations

import random
from urllib.parse import urlparse

from helpers.functions.registry import LearnedFunction, register
from helpers.model_config import Seq2SeqConfig
from helpers.training_config import TrainingConfig
from helpers.url_generator import random_domain, random_path, random_port, random_url

PROTOCOL_PREFIX_CHARACTERS = 32


def protocol(url: str) -> str:
    """The scheme that urlparse finds in the first 32 characters of a URL (the toy task)."""
    return urlparse(url[:PROTOCOL_PREFIX_CHARACTERS]).scheme


SCHEME_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-."


def url_prefix(rng: random.Random) -> str:
    """The first 32 characters of a URL. Half are realistic URLs; the other half have a made-up
    scheme (random letters, digits, '+-.', mixed case, sometimes an invalid character), so that
    the model cannot get by with "http or https" and must learn to copy what stands before ':'."""
    roll = rng.random()
    if roll < 0.45:
        return random_url(rng)[:PROTOCOL_PREFIX_CHARACTERS]
    if roll < 0.55:  # a host and port without a scheme: urlparse takes "www.example.com" as the scheme
        return (random_domain(rng) + random_port(rng) + random_path(rng))[:PROTOCOL_PREFIX_CHARACTERS]
    scheme = rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    # lengths up to 30, mostly short: long made-up schemes teach the model to copy long runs exactly
    scheme += "".join(rng.choice(SCHEME_CHARACTERS) for _ in range(min(int(rng.expovariate(1 / 6)), 29)))
    if rng.random() < 0.25:  # a character that is not allowed in a scheme: urlparse finds none
        position = rng.randint(0, len(scheme))
        scheme = scheme[:position] + rng.choice(" _/?#@%~!é'\"()[]*,;&=$") + scheme[position:]
    rest = random_url(rng).partition(":")[2] if rng.random() < 0.8 else random_url(rng)
    return (scheme + ":" + rest)[:PROTOCOL_PREFIX_CHARACTERS]


def recipe() -> tuple[Seq2SeqConfig, TrainingConfig]:
    model = Seq2SeqConfig(
        units=64,  # the task is small; a narrow LSTM learns it quickly on a CPU
        embedding_dim=32,  # 259 byte ids need no large embedding
        attend_to_embeddings=True,  # measured (EXPERIMENTS.md): leaves the "always http" plateau sooner
        max_input_length=4 * PROTOCOL_PREFIX_CHARACTERS + 1,  # 32 characters of up to 4 UTF-8 bytes + END
        max_output_length=40,  # a scheme is short; the decoder never writes more than this
    )
    training = TrainingConfig(
        task="protocol",
        batch_size=128,
        steps_per_epoch=100,  # validate (and checkpoint) every 100 steps
        epochs=12,  # the step budget: a 40-epoch run was flat after its ninth (EXPERIMENTS.md), so stop there
        learning_rate=1e-2,  # high, to leave the "always answer http" plateau quickly
        learning_rate_decay_epochs=12,  # then cosine decay over the budget, to settle the last rare schemes
        validation_size=1000,  # fresh URLs the training stream never produces
        target_exact_match=1.0,  # stop as soon as every validation URL is right
    )
    return model, training


ENTRY = register(LearnedFunction(
    name="protocol",
    function=protocol,
    generate_input=url_prefix,
    max_input_bytes=4 * PROTOCOL_PREFIX_CHARACTERS,
    errors_as_outputs=True,  # 'http://[d9e4:dbe0:302c:e3d9:1486' (a bracket cut at 32) -> {"error":"ValueError"}
    description="urlparse(url[:32]).scheme: the toy model of notebook 03",
    recipe=recipe,
))

"""Named training recipes: the model and training settings that a notebook, the command line and the
benchmarks share. Each lives in its function's registry entry (``LearnedFunction.recipe``); this
module reads them.

``recipe(name)`` returns (Seq2SeqConfig, TrainingConfig); ``smoke_recipe(name)`` the tiny version
that CI runs.
"""

from __future__ import annotations

from dataclasses import replace

from helpers.functions import REGISTRY
from helpers.model_config import Seq2SeqConfig
from helpers.training_config import TrainingConfig

RECIPES = {name: entry.recipe for name, entry in REGISTRY.items() if entry.recipe is not None}


def recipe(name: str) -> tuple[Seq2SeqConfig, TrainingConfig]:
    if name not in RECIPES:
        raise ValueError(f"no recipe named {name!r}; known: {', '.join(sorted(RECIPES))}")
    return RECIPES[name]()


def smoke_recipe(name: str) -> tuple[Seq2SeqConfig, TrainingConfig]:
    """The same recipe shrunk to seconds: tiny model, two short epochs, 50 validation examples."""
    model, training = recipe(name)
    model = replace(model, units=16, embedding_dim=8, position_features=4)
    training = replace(training, steps_per_epoch=5, epochs=2, validation_size=50, examples_to_show=1,
                       max_minutes=None, target_exact_match=None, learning_rate_decay_epochs=None,
                       learning_rate_decay_minutes=None,
                       weight_average_steps=10 if training.weight_average_steps else None)  # the same code path
    return model, training

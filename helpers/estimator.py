"""The seq2seq model as a scikit-learn estimator, for hyper-parameter search with the usual tools.

    estimator = Seq2SeqEstimator(task="hex", units=64, steps=400)
    estimator.fit(inputs)                  # targets default to the real function's outputs
    estimator.predict(["255"])             # array(['"0xff"'], dtype=object)
    estimator.score(inputs, targets)       # exact match, the project's only accuracy

    search = GridSearchCV(Seq2SeqEstimator(task="hex"), {"units": [32, 64]}, cv=2, n_jobs=2)
    with joblib.parallel_backend("spark", n_jobs=2):   # after joblibspark.register_spark()
        search.fit(inputs, targets)                      # the same search, as Spark tasks

Unlike ``helpers.training.train``, which draws fresh examples from the real function forever, the
estimator learns from the finite (X, y) it is given, as scikit-learn expects: ``steps`` batches
drawn at random, with replacement, from X. It is clone-able (``BaseEstimator``: the constructor only
stores its parameters) and picklable with its weights (``__getstate__`` writes them as bytes), so
joblib can ship a fitted estimator to another process or machine and back.
"""

from __future__ import annotations

import io
import time
from dataclasses import replace

import numpy as np
from sklearn.base import BaseEstimator

from helpers.functions import get_function


def _as_texts(values, name: str) -> list[str]:
    """A list of str from a list, a 1-d array or an (n, 1) array (what a pandas column gives)."""
    array = np.asarray(values, dtype=object)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{name} must be a sequence of strings (shape (n,) or (n, 1)), got shape {array.shape}")
    texts = array.tolist()
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"{name}[{index}] is a {type(text).__name__}, not a str")
    return texts


class Seq2SeqEstimator(BaseEstimator):
    """A byte-level seq2seq model of one registered function, with fit / predict / score.

    Every constructor argument is a hyper-parameter (``get_params`` / ``set_params``, GridSearchCV).
    Fitted attributes: ``model_`` (helpers.model.Seq2Seq), ``model_config_``, ``fit_seconds_``,
    ``loss_`` (the mean training loss over the ``steps`` batches).
    """

    def __init__(
        self,
        task: str = "hex",  # registry name: sets the input length limit and, when y is None, the targets
        units: int | None = None,  # LSTM width (the encoder's two directions get half each); None: sizing's
        embedding_dim: int | None = None,  # byte embedding width; None: sizing's
        position_features: int = 16,  # sinusoidal position features appended to each embedding
        attend_to_embeddings: bool = True,  # attention also reads the input byte embeddings (faster alignment)
        steps: int = 500,  # training batches
        batch_size: int | None = None,  # examples per batch, drawn with replacement from X; None: sizing's
        learning_rate: float | None = None,  # Adam's initial rate; None: sizing's
        cosine_decay: bool = True,  # decay the rate to 5% over ``steps`` (settles the last errors)
        max_output_length: int | None = None,  # decoder limit in ids; None: sizing's, from the longest target in y
        reverse_output: bool = False,  # the decoder writes each output last byte first (Seq2SeqConfig.reverse_output)
        seed: int = 1,  # weights and batch order
    ):
        self.task = task
        self.units = units
        self.embedding_dim = embedding_dim
        self.position_features = position_features
        self.attend_to_embeddings = attend_to_embeddings
        self.steps = steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.cosine_decay = cosine_decay
        self.max_output_length = max_output_length
        self.reverse_output = reverse_output
        self.seed = seed

    # -- training ------------------------------------------------------------------------------
    def fit(self, X, y=None):
        """Train on inputs X (n strings) and targets y (n strings: the compact-JSON outputs).

        With y None the targets are the real function's outputs for X. Returns self.
        """
        from helpers.environment import gpu_names

        gpu_names()  # a GPU grows its memory as needed: parallel fits (n_jobs) share it instead of failing;
        #              and a worker process starts TensorFlow here, its native start-up lines filtered out
        import keras

        from helpers.model import LOSSES, build_seq2seq
        from helpers.sizing import sized_recipe
        from helpers.streams import as_dataset
        from helpers.vectorization import teacher_forcing_batch

        function = get_function(self.task)
        inputs = _as_texts(X, "X")
        targets = [function.output_text(text) for text in inputs] if y is None else _as_texts(y, "y")
        if len(inputs) != len(targets):
            raise ValueError(f"X has {len(inputs)} rows but y has {len(targets)}")
        if not inputs:
            raise ValueError("cannot fit on zero examples")
        if self.steps < 1 or (self.batch_size is not None and self.batch_size < 1):
            raise ValueError(f"steps and batch_size must be positive, got {self.steps} and {self.batch_size}")
        longest_target = max(len(text.encode("utf-8")) for text in targets)
        sized_model, sized_training = sized_recipe(self.task, function.max_input_bytes, longest_target, steps=self.steps)
        self.model_config_ = replace(  # the one sizing rule, with the hyper-parameters this estimator was given
            sized_model, units=self.units or sized_model.units,
            embedding_dim=self.embedding_dim or sized_model.embedding_dim,
            position_features=self.position_features, attend_to_embeddings=self.attend_to_embeddings,
            max_output_length=self.max_output_length or sized_model.max_output_length,
            reverse_output=self.reverse_output,
        )
        batch_size = self.batch_size or sized_training.batch_size
        keras.utils.set_random_seed(self.seed)
        self.model_ = build_seq2seq(self.model_config_)
        self._decoder = None
        defaults = sized_training  # the project's clipping, loss and bucket size: one definition
        learning_rate = self.learning_rate or sized_training.learning_rate
        if self.cosine_decay:
            learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, self.steps, alpha=0.05)
        self.model_.training_model.compile(
            optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=defaults.clip_norm),
            loss=LOSSES[defaults.loss],
        )
        rng = np.random.default_rng(self.seed)

        def batches():
            while True:
                rows = rng.integers(0, len(inputs), size=batch_size)
                yield teacher_forcing_batch(
                    [inputs[row] for row in rows], [targets[row] for row in rows], bucket=defaults.bucket,
                    max_input_length=self.model_config_.max_input_length,
                    max_output_length=self.model_config_.max_output_length,
                    reverse_output=self.model_config_.reverse_output)

        started = time.monotonic()
        history = self.model_.training_model.fit(as_dataset(batches), steps_per_epoch=self.steps, epochs=1,
                                                 shuffle=False, verbose=0)
        self.fit_seconds_ = time.monotonic() - started
        self.loss_ = float(history.history["loss"][-1])
        return self

    # -- inference -----------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if getattr(self, "model_", None) is None:
            raise ValueError("this Seq2SeqEstimator is not fitted yet: call fit(X, y) first")

    def predict(self, X) -> np.ndarray:
        """(n,) object array of decoded texts; None where the model wrote no valid UTF-8 ending in END."""
        from helpers.decoders import GreedyDecoder

        self._check_fitted()
        if self._decoder is None:
            self._decoder = GreedyDecoder(self.model_)
        texts = self._decoder(_as_texts(X, "X")).texts
        result = np.empty(len(texts), dtype=object)
        result[:] = texts
        return result

    def score(self, X, y=None, sample_weight=None) -> float:
        """Exact match: the share of X whose decoded text equals y (the real function's when None)."""
        from helpers.training import exact_match

        inputs = _as_texts(X, "X")
        if y is None:
            function = get_function(self.task)
            targets = [function.output_text(text) for text in inputs]
        else:
            targets = _as_texts(y, "y")
        predicted = self.predict(inputs).tolist()
        if sample_weight is None:
            return exact_match(predicted, targets)
        weights = np.asarray(sample_weight, dtype=float)
        correct = np.array([got == expected for got, expected in zip(predicted, targets)], dtype=float)
        return float(np.sum(weights * correct) / np.sum(weights))

    # -- pickling: the Keras objects stay behind, the weights travel as bytes -------------------
    def __getstate__(self):
        state = super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__.copy()
        state = dict(state)
        model = state.pop("model_", None)
        state.pop("_decoder", None)
        if model is not None:
            buffer = io.BytesIO()
            np.savez(buffer, *model.training_model.get_weights())
            state["weights_bytes_"] = buffer.getvalue()
        return state

    def __setstate__(self, state):
        state = dict(state)
        weights_bytes = state.pop("weights_bytes_", None)
        if hasattr(super(), "__setstate__"):
            super().__setstate__(state)
        else:
            self.__dict__.update(state)
        self._decoder = None
        if weights_bytes is not None:
            from helpers.environment import gpu_names

            gpu_names()  # TensorFlow starts here in a worker process: memory growth, start-up lines filtered
            from helpers.model import build_seq2seq

            self.model_ = build_seq2seq(self.model_config_)
            with np.load(io.BytesIO(weights_bytes)) as stored:
                self.model_.training_model.set_weights([stored[f"arr_{index}"] for index in range(len(stored.files))])

"""Plots the notebooks share: training curves, attention heatmaps, accuracy by input length."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_history(history: list[dict], steps_per_epoch: int, exact_match_keys=("val_exact_match",)):
    """Training loss (log scale) and validation exact match against training steps, one point per epoch.

    history: the per-epoch dicts of ``TrainingResult.history`` (or ``history.json``);
    steps_per_epoch: the run's ``TrainingConfig.steps_per_epoch``;
    exact_match_keys: logged exact matches to draw (``{name}_exact_match`` of monitored sets too).
    """
    steps = [(index + 1) * steps_per_epoch for index in range(len(history))]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
    left.plot(steps, [epoch["loss"] for epoch in history], label="training loss")
    if all("val_loss" in epoch for epoch in history):
        left.plot(steps, [epoch["val_loss"] for epoch in history], label="validation loss")
    left.set_xlabel("training steps")
    left.set_yscale("log")
    left.legend()
    for key in exact_match_keys:
        if all(key in epoch for epoch in history):
            label = "validation" if key == "val_exact_match" else key.removesuffix("_exact_match").replace("_", " ")
            right.plot(steps, [epoch[key] for epoch in history], marker=".", label=label)
    right.set_xlabel("training steps")
    right.set_ylabel("exact match")
    right.set_ylim(0, 1.02)
    right.legend()
    figure.tight_layout()
    return figure


def _byte_labels(text: str, end_label: str = "END") -> list[str]:
    labels = []
    for char in text:
        encoded = char.encode("utf-8")
        labels.append(char if len(encoded) == 1 and char.isprintable() else f"{char}")
        labels.extend("·" for _ in encoded[1:])  # continuation bytes of a multi-byte character
    return labels + [end_label]


def plot_attention(input_text: str, output_text: str | None, weights: np.ndarray):
    """Heatmap of attention weights: output bytes (rows) by input bytes (columns).

    weights: (output length + 1, input length + 1) as in ``Decoded.attention[i]``.
    """
    output_labels = _byte_labels(output_text or "")[: weights.shape[0]]
    input_labels = _byte_labels(input_text)[: weights.shape[1]]
    figure, axis = plt.subplots(figsize=(max(6, 0.18 * len(input_labels)), max(4, 0.18 * len(output_labels))))
    axis.imshow(weights[: len(output_labels), : len(input_labels)], cmap="viridis", aspect="auto")
    axis.set_xticks(range(len(input_labels)), input_labels, fontsize=7)
    axis.set_yticks(range(len(output_labels)), output_labels, fontsize=7)
    axis.set_xlabel("input bytes")
    axis.set_ylabel("output bytes")
    figure.tight_layout()
    return figure


def plot_accuracy_by_length(lengths, correct, bins=(0, 25, 50, 75, 100, 125, 150, 175, 200, 257)):
    """Exact match per input-length bin, with the number of inputs in each bin on the bars."""
    lengths, correct = np.asarray(lengths), np.asarray(correct, dtype=float)
    labels, values, counts = [], [], []
    for low, high in zip(bins[:-1], bins[1:]):
        inside = (lengths >= low) & (lengths < high)
        if inside.any():
            labels.append(f"{low}-{high - 1}")
            values.append(correct[inside].mean())
            counts.append(int(inside.sum()))
    figure, axis = plt.subplots(figsize=(9, 3.2))
    bars = axis.bar(labels, values)
    for bar, count in zip(bars, counts):
        axis.annotate(f"n={count}", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                      va="bottom", fontsize=8)
    axis.set_ylim(0, 1.08)
    axis.set_xlabel("input length (UTF-8 bytes)")
    axis.set_ylabel("exact match")
    figure.tight_layout()
    return figure

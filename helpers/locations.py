"""Where the project's files are: the one place that knows the data, models and evaluation paths.

    data/real_urls.txt               46,148 real URLs (MIT and Apache-2.0, data/README.md): training and examples
    data/cc-index-sample.parquet     the same URLs with Common Crawl's index columns (notebooks 01, 02)
    models/                          the shipped models
    ../shared/data/dev_urls.txt      real URLs for evaluation only, beside a checkout where a machine has them
"""

from __future__ import annotations

from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
DATA_DIRECTORY = REPOSITORY_ROOT / "data"
SAMPLE_PATH = DATA_DIRECTORY / "cc-index-sample.parquet"
REAL_URLS_PATH = DATA_DIRECTORY / "real_urls.txt"  # real URLs under MIT and Apache-2.0 (data/README.md)
MODELS_DIRECTORY = REPOSITORY_ROOT / "models"
SHARED_DATA_DIRECTORY = REPOSITORY_ROOT.parent / "shared" / "data"  # absent on Colab and most machines
DEV_URLS_PATH = SHARED_DATA_DIRECTORY / "dev_urls.txt"  # evaluation only: never trained on

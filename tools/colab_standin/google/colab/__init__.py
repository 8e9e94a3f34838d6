"""A stand-in for ``google.colab`` (tools/colab_rehearsal.sh): importing it makes the notebooks take
their Colab branch; ``drive.mount`` mounts a local folder."""

from google.colab import drive  # noqa: F401  (as in Colab: google.colab.drive)

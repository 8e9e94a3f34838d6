"""A stand-in for ``google.colab`` (tools/colab_rehearsal.sh; ``google`` stays a namespace package, so
protobuf's ``google.protobuf`` still imports): importing it makes the notebooks take
their Colab branch; ``drive.mount`` mounts a local folder."""

from google.colab import drive  # noqa: F401  (as in Colab: google.colab.drive)

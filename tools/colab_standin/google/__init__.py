"""A stand-in for Colab's ``google`` package, for the Colab rehearsal (tools/colab_rehearsal.sh)."""

import os

# Unit tests never touch the book's real model cache.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

"""Content: the model staff author, its validation, release builds and release reading."""

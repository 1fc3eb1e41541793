"""Generators of tiny copies of official dataset layouts, shared by the
prepare-script tests and the recipe (evaluation / fine-tuning) tests."""

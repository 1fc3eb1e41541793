"""Data: audio loading and windows, the manifest format, the training data
pipeline, augmentation, dataset mixing and tar shards."""

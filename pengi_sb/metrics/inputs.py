"""Input checks shared by every metric: sequences, arrays, equal lengths.

Metrics take plain Python lists, numpy arrays or torch tensors; these
helpers turn them into lists or arrays and raise errors that name the
argument and say what to pass.

Example
-------
>>> as_list((1, 2), "targets")
[1, 2]
>>> as_list("dog", "targets")
Traceback (most recent call last):
 ...
TypeError: targets must be a sequence of items, not a single string ...

Authors
 * pengi-sb developers 2026
"""

import numpy as np

__all__ = ["as_array", "as_list", "check_same_length"]


def as_list(values, name):
    """Returns ``values`` (list, tuple, numpy array, tensor) as a list."""
    if isinstance(values, (str, bytes)):
        raise TypeError(
            f"{name} must be a sequence of items, not a single string "
            f"({values!r}); wrap it in a list"
        )
    if hasattr(values, "detach"):  # torch tensor
        values = values.detach().cpu().numpy()
    if isinstance(values, np.ndarray):
        if values.ndim == 0:
            raise TypeError(f"{name} must be a sequence, got a scalar")
        return values.tolist()
    try:
        return list(values)
    except TypeError:
        raise TypeError(
            f"{name} must be a list, tuple, numpy array or tensor, got "
            f"{type(values).__name__}"
        ) from None


def as_array(values, name, ndim, dtype=np.float64):
    """Returns ``values`` as a numpy array with ``ndim`` dimensions."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    try:
        array = np.asarray(values, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"{name} must be numeric with {ndim} dimension(s): {err}"
        ) from None
    if array.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimension(s), got shape {array.shape}"
        )
    return array


def check_same_length(first, second, first_name, second_name):
    """Raises ``ValueError`` on empty inputs or different lengths."""
    if len(first) == 0:
        raise ValueError(f"{first_name} is empty: there is nothing to score")
    if len(first) != len(second):
        raise ValueError(
            f"{first_name} has {len(first)} items but {second_name} has "
            f"{len(second)}: give one {second_name} entry per item"
        )

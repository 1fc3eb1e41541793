"""The plugin's manifest format: one row per (audio, prompt, target) item.

A manifest is a JSON file in SpeechBrain's layout (a dict keyed by item id)
or a CSV file with an ``ID`` column. Every item has these fields:

============  =========================================================
field         meaning
============  =========================================================
id            unique item id (the JSON key, or the CSV ``ID`` column)
wav           audio path; may start with ``{data_root}``
duration      seconds (float)
task          a task template name (see :mod:`pengi_sb.tasks`)
prompt        the text prompt given to the model
target        the text the model should produce
============  =========================================================

Any other field is kept as is (``labels``, ``fold``, ``split``,
``dataset``, ``start``, ``stop``...). ``labels`` holds the class label(s)
of a close-ended item as a list (in CSV: joined with ``;``). ``start`` and
``stop`` (seconds), when present, select a segment of the file.

Example
-------
>>> import tempfile, os
>>> tmp = tempfile.mkdtemp()
>>> items = {"a": make_item("{data_root}/a.wav", 2.0, "sound_event",
...                          events=["dog", "rain"])}
>>> items["a"]["target"], items["a"]["labels"]
('dog, rain', ['dog', 'rain'])
>>> write_manifest(items, os.path.join(tmp, "m.csv"))
>>> read_manifest(os.path.join(tmp, "m.csv"))["a"]["labels"]
['dog', 'rain']

Authors
 * pengi-sb developers 2026
"""

import csv
import json
import os

from pengi_sb.tasks import get_template

REQUIRED_FIELDS = ("wav", "duration", "task", "prompt", "target")
LIST_FIELDS = ("labels",)
LIST_SEPARATOR = ";"
FLOAT_FIELDS = ("duration", "start", "stop")


class ManifestError(ValueError):
    """A manifest that cannot be used; the message names file and item."""


def make_item(wav, duration, task, labels=None, **fields):
    """Builds one manifest item from a task's field values.

    Arguments
    ---------
    wav : str
        Audio path (``{data_root}/...`` for portable manifests).
    duration : float
        Duration in seconds.
    task : str
        Task template name.
    labels : list of str, optional
        Class labels; by default taken from the template's label field.
    **fields
        Template fields (``caption=``, ``events=``...) and extra columns.

    Returns
    -------
    dict
    """
    template = get_template(task)
    slot_names = set(template.fields()) | {n for n, _ in template.optional}
    slots = {k: v for k, v in fields.items() if k in slot_names}
    prompt, target = template.render(**slots)
    item = {
        "wav": wav,
        "duration": float(duration),
        "task": task,
        "prompt": prompt,
        "target": target,
    }
    if labels is None and template.labels_field in fields:
        value = fields[template.labels_field]
        labels = list(value) if isinstance(value, (list, tuple)) else [value]
    if labels is not None:
        item["labels"] = [str(x) for x in labels]
    for key, value in fields.items():
        if key not in item and not isinstance(value, (list, tuple)):
            item[key] = value
    return item


def write_manifest(items, path):
    """Writes ``{id: item}`` to ``path`` (.json or .csv by extension)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if path.endswith(".json"):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(items, f, indent=1, ensure_ascii=False)
        return
    if not path.endswith(".csv"):
        raise ManifestError(f"manifest {path}: use a .json or .csv file name")
    columns = ["ID", *REQUIRED_FIELDS]
    for item in items.values():
        for key in item:
            if key not in columns:
                columns.append(key)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for item_id, item in items.items():
            row = {"ID": item_id}
            for key, value in item.items():
                if isinstance(value, (list, tuple)):
                    value = LIST_SEPARATOR.join(str(v) for v in value)
                row[key] = value
            writer.writerow(row)


def read_manifest(path, data_root=None):
    """Reads and validates a manifest; returns ``{id: item}``.

    Arguments
    ---------
    path : str
        A .json or .csv manifest.
    data_root : str, optional
        Replaces ``{data_root}`` in audio paths.

    Raises
    ------
    ManifestError
        Missing file, unparsable content, missing fields, bad durations;
        the message names the file, the item and what to do.
    """
    if not os.path.isfile(path):
        raise ManifestError(
            f"manifest {path} does not exist; run the dataset's prepare "
            "script first (or check --data_folder / --output_folder)"
        )
    try:
        if path.endswith(".json"):
            with open(path, encoding="utf-8") as f:
                items = json.load(f)
            if not isinstance(items, dict):
                raise ManifestError(
                    f"manifest {path}: the top level must be an object "
                    "mapping item ids to items"
                )
        elif path.endswith(".csv"):
            items = _read_csv(path)
        else:
            raise ManifestError(f"manifest {path}: use a .json or .csv file")
    except (json.JSONDecodeError, csv.Error, UnicodeDecodeError) as err:
        raise ManifestError(f"manifest {path} is malformed: {err}") from err
    if not items:
        raise ManifestError(f"manifest {path} has no items")
    for item_id, item in items.items():
        _validate(path, item_id, item)
        if data_root is not None:
            item["wav"] = item["wav"].replace("{data_root}", data_root)
    return items


def _read_csv(path):
    items = {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or "ID" not in reader.fieldnames:
            raise ManifestError(f"manifest {path}: the CSV needs an 'ID' column")
        for line, row in enumerate(reader, start=2):
            item_id = row.pop("ID")
            if item_id in items:
                raise ManifestError(
                    f"manifest {path}, line {line}: duplicate id '{item_id}'"
                )
            item = {k: v for k, v in row.items() if v not in (None, "")}
            for key in LIST_FIELDS:
                if key in item:
                    item[key] = item[key].split(LIST_SEPARATOR)
            items[item_id] = item
    return items


def _validate(path, item_id, item):
    if not isinstance(item, dict):
        raise ManifestError(f"manifest {path}, item '{item_id}': not an object")
    missing = [k for k in REQUIRED_FIELDS if k not in item]
    if missing:
        raise ManifestError(
            f"manifest {path}, item '{item_id}': missing field(s) {missing}; "
            f"every item needs {list(REQUIRED_FIELDS)}"
        )
    for key in FLOAT_FIELDS:
        if key in item:
            try:
                item[key] = float(item[key])
            except (TypeError, ValueError):
                raise ManifestError(
                    f"manifest {path}, item '{item_id}': {key} "
                    f"'{item[key]}' is not a number"
                ) from None
    if item["duration"] <= 0:
        raise ManifestError(
            f"manifest {path}, item '{item_id}': duration must be > 0"
        )

"""Writes a benchmark's report: results.json, results.md, predictions.json.

:func:`format_table` makes the Markdown table of a report of
:func:`pengi_sb.benchmark.scoring.evaluate_items` (our numbers, the
paper's on the primary metric's row); :func:`write_report` writes the
three files.

Protocols with several runs (cross-validation folds) are reported per run
with the mean and standard deviation of every metric
(:func:`summarize_runs`); :func:`write_runs_report` writes their
``results.json`` and ``results.md`` (the linear probe's and the fine-tuning
recipe's ``--run_name all``).

Authors
 * pengi-sb developers 2026
"""

import json
import math
import os

import numpy as np
from speechbrain.utils.logger import get_logger

logger = get_logger(__name__)

__all__ = ["format_runs_table", "format_table", "is_metric", "summarize_runs",
           "write_report", "write_runs_report"]


def _number(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _paper(value):
    """A published number as printed in the paper (``—`` when none)."""
    return "—" if value is None else str(value)


def format_table(report, benchmark=None):
    """Markdown table of a report, the paper's numbers beside ours.

    Arguments
    ---------
    report : dict
        What :func:`evaluate_items` returns (plus optional ``title``,
        ``source``, ``split`` keys).
    benchmark : dict, optional
        ``dataset``, ``task``, ``metric``, ``pengi``, ``clap``, ``note``:
        the paper's numbers (placed on the primary metric's row).

    Returns
    -------
    str

    Example
    -------
    >>> report = {"metrics": {"text": {"accuracy": 0.5, "n": 4}},
    ...           "primary": {"method": "text", "metric": "accuracy"},
    ...           "unavailable": {}, "n_scored": 4, "n_skipped": 0}
    >>> print(format_table(report, {"pengi": 0.9195, "clap": 0.826}))
    ... # doctest: +NORMALIZE_WHITESPACE
    | method | metric | ours | Pengi (paper) | CLAP (paper) |
    | --- | --- | --- | --- | --- |
    | text | accuracy | 0.5000 | 0.9195 | 0.826 |
    <BLANKLINE>
    4 item(s) scored, 0 skipped (unreadable audio).
    """
    benchmark = benchmark or {}
    primary = report["primary"]
    lines = ["| method | metric | ours | Pengi (paper) | CLAP (paper) |",
             "| --- | --- | --- | --- | --- |"]
    for group, values in report["metrics"].items():
        for name, value in values.items():
            if name == "n" or name.startswith("n_") or name.endswith(
                    "_classes"):
                continue
            is_primary = (group == primary["method"]
                          and name == primary["metric"])
            paper = _paper(benchmark.get("pengi")) if is_primary else ""
            clap = _paper(benchmark.get("clap")) if is_primary else ""
            shown = _number(value)
            if value is None and name in report.get("unavailable", {}):
                shown = "unavailable"
            lines.append(f"| {group} | {name} | {shown} | {paper} | "
                         f"{clap} |")
    lines.append("")
    lines.append(f"{report['n_scored']} item(s) scored, "
                 f"{report['n_skipped']} skipped (unreadable audio).")
    for name, reason in report.get("unavailable", {}).items():
        first = reason.strip().splitlines()[0] if reason.strip() else reason
        lines.append(f"{name}: unavailable ({first})")
    if benchmark.get("note"):
        lines.append(f"Note: {benchmark['note']}")
    return "\n".join(lines)


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return None if math.isnan(value) else value
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_report(report, folder, benchmark=None, title=None, extra=None):
    """Writes ``results.json``, ``results.md`` and ``predictions.json``.

    Arguments
    ---------
    report : dict
        What :func:`evaluate_items` returns.
    folder : str
        The output folder.
    benchmark : dict, optional
        The paper's numbers (see :func:`format_table`).
    title : str, optional
        First line of ``results.md``.
    extra : dict, optional
        More keys for ``results.json`` (model source, split, manifest).

    Returns
    -------
    dict
        ``{"json": path, "markdown": path, "predictions": path}``.
    """
    summary = {k: v for k, v in report.items() if k != "predictions"}
    details = ", ".join(f"{k}: {v}" for k, v in (extra or {}).items())
    markdown = (f"# {title or 'Pengi evaluation'}\n\n"
                + (f"{details}\n\n" if details else "")
                + format_table(report, benchmark) + "\n")
    paths = _write_results(folder, summary, benchmark, extra, markdown)
    paths["predictions"] = os.path.join(folder, "predictions.json")
    with open(paths["predictions"], "w", encoding="utf-8") as f:
        json.dump(_json_safe(report.get("predictions", {})), f, indent=1,
                  ensure_ascii=False)
    return paths


def _write_results(folder, summary, benchmark, extra, markdown):
    """Writes ``results.json`` (``summary`` with the ``benchmark`` entry
    and the ``extra`` keys) and ``results.md`` (``markdown``) in
    ``folder``; returns ``{"json": path, "markdown": path}``."""
    os.makedirs(folder, exist_ok=True)
    summary = dict(summary, benchmark=dict(benchmark or {}), **(extra or {}))
    paths = {"json": os.path.join(folder, "results.json"),
             "markdown": os.path.join(folder, "results.md")}
    with open(paths["json"], "w", encoding="utf-8") as f:
        json.dump(_json_safe(summary), f, indent=1, ensure_ascii=False)
    with open(paths["markdown"], "w", encoding="utf-8") as f:
        f.write(markdown)
    logger.info("results written to %s", paths["json"])
    return paths


def is_metric(name, value=0.0):
    """Whether a report entry is a score (not a count such as ``n``,
    ``n_*``, ``*_classes``) with a number (``None``, NaN: unavailable).

    Arguments
    ---------
    name : str
        The entry's name.
    value : object
        Its value (by default, only the name is judged).

    Returns
    -------
    bool

    Example
    -------
    >>> [is_metric("accuracy"), is_metric("n_classes"), is_metric("spice", None)]
    [True, False, False]
    """
    if name == "n" or name.startswith("n_") or name.endswith("_classes"):
        return False
    if isinstance(value, bool) or not isinstance(value, (int, float,
                                                         np.number)):
        return False
    return not math.isnan(float(value))


def summarize_runs(runs, key="test"):
    """Mean and standard deviation of every metric over a protocol's runs.

    Arguments
    ---------
    runs : list of dict
        One entry per run, its metrics in ``run[key]`` (``{name: value}``).
    key : str
        Which entry of a run holds its metrics.

    Returns
    -------
    (dict, dict)
        ``mean`` and ``std`` (numpy's, over the runs: ``ddof=0``) of each
        metric, over the runs where it has a number; counts (``n``,
        ``n_*``, ``*_classes``) are left out, and a metric no run has a
        number for is ``None``.

    Example
    -------
    >>> runs = [{"test": {"accuracy": 0.5, "n": 4}},
    ...         {"test": {"accuracy": 1.0, "n": 4}}]
    >>> summarize_runs(runs)
    ({'accuracy': 0.75}, {'accuracy': 0.25})
    """
    names = []
    for run in runs:
        names += [name for name in run[key]
                  if name not in names and is_metric(name)]
    mean, std = {}, {}
    for name in names:
        values = [float(run[key][name]) for run in runs
                  if is_metric(name, run[key].get(name))]
        mean[name] = float(np.mean(values)) if values else None
        std[name] = float(np.std(values)) if values else None
    return mean, std


def format_runs_table(report, columns=(), key="test"):
    """Markdown table of a report with several runs: one row per run, the
    last one the mean ± std of each metric.

    Arguments
    ---------
    report : dict
        ``runs`` (each with ``name`` and its metrics under ``key``),
        ``mean`` and ``std`` (:func:`summarize_runs`).
    columns : list of (str, str)
        ``(header, run entry)`` of the columns shown before the metrics
        (training and test sizes...).
    key : str
        Which entry of a run holds its metrics.

    Returns
    -------
    str

    Example
    -------
    >>> runs = [{"name": "fold1", "n_test": 2, "test": {"accuracy": 0.5}},
    ...         {"name": "fold2", "n_test": 2, "test": {"accuracy": 1.0}}]
    >>> mean, std = summarize_runs(runs)
    >>> print(format_runs_table({"runs": runs, "mean": mean, "std": std},
    ...                         [("test", "n_test")]))
    | run | test | accuracy |
    | --- | --- | --- |
    | fold1 | 2 | 0.5000 |
    | fold2 | 2 | 1.0000 |
    | mean ± std | | 0.7500 ± 0.2500 |
    """
    names = list(report["mean"])
    lines = [_row(["run", *(header for header, _ in columns), *names]),
             _row(["---"] * (1 + len(columns) + len(names)))]
    for run in report["runs"]:
        lines.append(_row([
            run["name"],
            *(_cell(run.get(entry)) for _, entry in columns),
            *(_number(run[key].get(name)) for name in names)]))
    lines.append(_row([
        "mean ± std", *("" for _ in columns),
        *("—" if report["mean"][name] is None else
          f"{_number(report['mean'][name])} ± "
          f"{_number(report['std'][name])}" for name in names)]))
    return "\n".join(lines)


def _cell(value):
    """A table cell as written (``—`` when missing)."""
    return "—" if value is None else str(value)


def _row(cells):
    """A Markdown table row (an empty cell written ``| |``)."""
    return "|" + "|".join(f" {cell} " if str(cell) else " "
                          for cell in cells) + "|"


def write_runs_report(report, folder, benchmark=None, title=None,
                      extra=None, columns=(), notes=()):
    """Writes ``results.json`` and ``results.md`` of a protocol's runs.

    Arguments
    ---------
    report : dict
        ``runs``, ``mean``, ``std`` (see :func:`format_runs_table`) and any
        other keys, all saved in ``results.json``.
    folder : str
        Output folder.
    benchmark : dict, optional
        The benchmark's entry of the hparams (saved as ``benchmark``).
    title : str, optional
        Heading of ``results.md``.
    extra : dict, optional
        More keys for ``results.json``.
    columns : list of (str, str)
        Per-run columns of the table (:func:`format_runs_table`).
    notes : list of str
        Lines written under the table.

    Returns
    -------
    dict
        ``{"json": path, "markdown": path}``.
    """
    lines = [f"# {title or 'Pengi evaluation'}", "",
             format_runs_table(report, columns), "", *notes]
    return _write_results(folder, report, benchmark, extra,
                          "\n".join(lines) + "\n")

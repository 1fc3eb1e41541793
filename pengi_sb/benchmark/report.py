"""Writes a benchmark's report: results.json, results.md, predictions.json.

:func:`format_table` makes the Markdown table of a report of
:func:`pengi_sb.benchmark.scoring.evaluate_items` (our numbers, the
paper's on the primary metric's row); :func:`write_report` writes the
three files.

Authors
 * pengi-sb developers 2026
"""

import json
import math
import os

import numpy as np
from speechbrain.utils.logger import get_logger

logger = get_logger(__name__)

__all__ = ["format_table", "write_report"]


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
    os.makedirs(folder, exist_ok=True)
    summary = {k: v for k, v in report.items() if k != "predictions"}
    summary["benchmark"] = dict(benchmark or {})
    summary.update(extra or {})
    paths = {
        "json": os.path.join(folder, "results.json"),
        "markdown": os.path.join(folder, "results.md"),
        "predictions": os.path.join(folder, "predictions.json"),
    }
    with open(paths["json"], "w", encoding="utf-8") as f:
        json.dump(_json_safe(summary), f, indent=1, ensure_ascii=False)
    with open(paths["predictions"], "w", encoding="utf-8") as f:
        json.dump(_json_safe(report.get("predictions", {})), f, indent=1,
                  ensure_ascii=False)
    heading = title or "Pengi evaluation"
    details = ", ".join(f"{k}: {v}" for k, v in (extra or {}).items())
    with open(paths["markdown"], "w", encoding="utf-8") as f:
        f.write(f"# {heading}\n\n")
        if details:
            f.write(f"{details}\n\n")
        f.write(format_table(report, benchmark) + "\n")
    logger.info("results written to %s", paths["json"])
    return paths

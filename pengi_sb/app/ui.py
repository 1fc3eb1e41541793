"""The web page: Gradio components wired to :mod:`pengi_sb.app.actions`.

Layout: the audio input (upload or microphone) with the plots of what the
model hears, the generation options, a status line where every error
appears, then one tab per task (caption, question, classify, describe, free
prompt), a timeline tab (what is heard when: a table, a figure and .srt /
.vtt / .csv downloads) and a tab searching a folder by text. Every button
runs through :func:`_guarded`, so an error becomes a message in the status
line, never a stack trace, and the page keeps working. Model calls are
serialised by one lock (a loaded model serves one request at a time).

Importing this module imports Gradio: only :mod:`pengi_sb.app.launch` does,
after checking the ``app`` extra is installed.

Authors
 * pengi-sb developers 2026
"""

import os
import tempfile
import threading

import gradio as gr
import soundfile

from pengi_sb.app import actions
from pengi_sb.app.search import (
    NO_PROMPT_ENCODER,
    FolderIndex,
    SearchError,
    can_search,
)

TOP_K = 5  # search results with a player
# System fonts only: the page never asks a font server for anything
SYSTEM_FONTS = ("ui-sans-serif", "system-ui", "Segoe UI", "Roboto",
                "Helvetica", "Arial", "sans-serif")
MONO_FONTS = ("ui-monospace", "SFMono-Regular", "Menlo", "Consolas",
              "monospace")
CSS = """
#status-box p { margin: 0.2em 0; overflow-wrap: anywhere; }
#status-box .error { color: #b91c1c; font-weight: 600; }
"""


def offline_theme():
    """Gradio's default theme with system fonts (nothing fetched)."""
    return gr.themes.Default(font=SYSTEM_FONTS, font_mono=MONO_FONTS)


def _error(task, err):
    """The status line of a failed ``task`` (e.g. "captioning")."""
    message = _escape(actions.user_message(err))
    return f'<p class="error" role="alert">Error while {task}: {message}</p>'


def _escape(text):
    return (str(text).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def _ok(message):
    return f"<p>{_escape(message)}</p>"


# The page's events are its own: no Gradio API endpoints (the Python API
# and pengi-sb are the programmatic ways in)
PRIVATE = {"api_visibility": "private"}


def _on(event, fn, inputs, outputs, status, task):
    """Wires ``event``: the status says ``task`` is running (at once, not
    queued), then ``fn`` runs."""
    event(lambda: _ok(f"{task.capitalize()}…"), None, status, queue=False,
          **PRIVATE).then(fn, inputs, outputs, **PRIVATE)


class _Runner:
    """Runs actions one at a time and turns errors into status messages."""

    def __init__(self, pengi):
        self.pengi = pengi
        self.lock = threading.Lock()

    def guarded(self, fn, n_outputs, task, done="Done."):
        """A Gradio handler calling ``fn(pengi, *inputs)``.

        Returns ``fn``'s outputs (``n_outputs`` of them) and the status;
        on error, empty outputs and the error's message (naming ``task``).
        """

        def handler(*inputs):
            try:
                with self.lock:
                    out = fn(self.pengi, *inputs)
            except Exception as err:  # every error becomes a message
                empty = (None,) * n_outputs
                return (*empty, _error(task, err))
            out = out if isinstance(out, tuple) else (out,)
            return (*out, _ok(done))

        handler.__name__ = getattr(fn, "__name__", "handler")
        return handler


def build_demo(pengi, index_folder=None, cache_dir=None, model_key="model",
               title="Pengi"):
    """The page for a loaded model.

    Arguments
    ---------
    pengi : pengi_sb.inference.Pengi
        The model.
    index_folder : str, optional
        Folder of audio prefilled in the search tab.
    cache_dir : str, optional
        Where search embeddings are cached (default
        :func:`pengi_sb.app.search.default_cache_dir`).
    model_key : str
        The model's name in the search cache
        (:func:`pengi_sb.app.search.model_key` of its folder).
    title : str
        Page title.

    Returns
    -------
    gradio.Blocks

    Example
    -------
    >>> demo = build_demo(pengi, index_folder="clips")  # doctest: +SKIP
    >>> pengi_sb.app.launch.serve(demo)  # doctest: +SKIP
    """
    run = _Runner(pengi)
    indexes = {}
    window_s = pengi.window / pengi.sample_rate

    with gr.Blocks(title=title, analytics_enabled=False) as demo:
        gr.Markdown(
            f"# {title}: audio + text prompt → text\n"
            f"Upload or record a clip, then caption it, ask about it, "
            f"classify it with your own labels, describe it or give a free "
            f"prompt, or see what is heard when on a timeline. The model "
            f"hears {window_s:g} s windows at {pengi.sample_rate} Hz (longer "
            f"clips: the windows are averaged; shorter ones: repeated).")
        with gr.Row():
            with gr.Column(scale=2):
                audio = gr.Audio(sources=["upload", "microphone"],
                                 type="filepath", label="Audio clip",
                                 elem_id="audio-input", buttons=["download"])
                status = gr.HTML("<p>Ready.</p>", elem_id="status-box",
                                 label="Status")
                with gr.Accordion("Generation options (caption, question, "
                                  "describe, free prompt, text scoring)",
                                  open=False):
                    default = actions.DEFAULTS
                    method = gr.Radio(list(actions.METHODS),
                                      value=default["method"],
                                      label="Decoding", elem_id="gen-method")
                    beam_size = gr.Slider(1, 10, value=default["beam_size"],
                                          step=1, label="Beam size")
                    temperature = gr.Slider(
                        0.1, 2.0, value=default["temperature"], step=0.05,
                        label="Temperature")
                    max_len = gr.Slider(1, 100, value=default["max_len"],
                                        step=1, label="Max length (tokens)")
                    seed = gr.Number(value=0, precision=0,
                                     label="Seed (sampling)")
            with gr.Column(scale=3):
                view = gr.Plot(label="What the model hears", format="png",
                               show_label=False, elem_id="audio-view")
        gen = [method, beam_size, temperature, max_len, seed]

        def options(*values):
            return actions.generation_options(*values)

        with gr.Tabs():
            with gr.Tab("Caption", id="caption"):
                cap_btn = gr.Button("Caption", variant="primary",
                                    elem_id="caption-button")
                cap_out = gr.Textbox(label="Caption", elem_id="caption-output",
                                     interactive=False)
            with gr.Tab("Question", id="question"):
                question = gr.Textbox(label="Question",
                                      placeholder="is someone speaking?",
                                      elem_id="question-input")
                qa_btn = gr.Button("Answer", variant="primary",
                                   elem_id="answer-button")
                qa_out = gr.Textbox(label="Answer", elem_id="answer-output",
                                    interactive=False)
            with gr.Tab("Classify", id="classify"):
                with gr.Row():
                    labels = gr.Textbox(
                        label="Labels (one per line, or separated by commas)",
                        lines=4, placeholder="dog barking\nrain\ncar horn",
                        elem_id="labels-input")
                    with gr.Column():
                        scoring = gr.Radio(
                            list(actions.SCORINGS), value="likelihood",
                            label="Scoring: likelihood of each label, or "
                            "generate then compare texts",
                            elem_id="scoring")
                        cls_prompt = gr.Textbox(value=actions.CLASSIFY_PROMPT,
                                                label="Prompt")
                cls_btn = gr.Button("Classify", variant="primary",
                                    elem_id="classify-button")
                with gr.Row():
                    ranking = gr.Markdown(elem_id="ranking")
                    chart = gr.Plot(label="Label scores", format="png",
                                    show_label=False, elem_id="label-chart")
                generated = gr.Textbox(label="Generated text (text scoring)",
                                       interactive=False)
            with gr.Tab("Describe", id="describe"):
                desc_btn = gr.Button("Describe", variant="primary",
                                     elem_id="describe-button")
                desc_out = gr.Textbox(label="Caption, metadata and sound "
                                      "events", lines=3, interactive=False,
                                      elem_id="describe-output")
            with gr.Tab("Free prompt", id="generate"):
                prompt = gr.Textbox(label="Prompt", value="generate metadata",
                                    elem_id="prompt-input")
                gen_btn = gr.Button("Generate", variant="primary",
                                    elem_id="generate-button")
                gen_out = gr.Textbox(label="Best text", interactive=False,
                                     elem_id="generate-output")
                beams = gr.Dataframe(headers=["beam", "text", "score"],
                                     label="All hypotheses",
                                     interactive=False)
            with gr.Tab("Timeline", id="timeline"):
                with gr.Row():
                    tl_task = gr.Radio(
                        list(actions.TIMELINE_TASKS), value="caption",
                        label="What to find in each window",
                        elem_id="timeline-task")
                    # text, not gr.Number: an empty Number sends 0
                    tl_hop = gr.Textbox(
                        value="", label=f"Hop: seconds between windows "
                        f"(empty: {window_s / 2:g}, half a window)",
                        placeholder=f"{window_s / 2:g}",
                        elem_id="timeline-hop")
                tl_labels = gr.Textbox(
                    label="Labels (classify: one per line, or separated by "
                    "commas)", lines=3, placeholder="dog barking\nrain\n"
                    "car horn", elem_id="timeline-labels")
                tl_btn = gr.Button("Make the timeline", variant="primary",
                                   elem_id="timeline-button")
                tl_plot = gr.Plot(label="Timeline", format="png",
                                  show_label=False, elem_id="timeline-plot")
                tl_table = gr.Markdown(elem_id="timeline-table")
                tl_files = gr.File(label="Download the timeline (.srt, "
                                   ".vtt, .csv)", file_count="multiple",
                                   interactive=False, elem_id="timeline-files")
            with gr.Tab("Search a folder", id="search"):
                _search_tab(run, pengi, indexes, index_folder, cache_dir,
                            model_key, status)

        show = run.guarded(actions.show_audio, 1, "loading the audio",
                           "Audio loaded.")
        audio.change(lambda path: show(path) if path else
                     (None, _ok("No audio: upload a file or record a clip.")),
                     [audio], [view, status], **PRIVATE)
        # results of the previous clip go when the clip changes
        results = [cap_out, qa_out, ranking, chart, generated, desc_out,
                   gen_out, beams, tl_table, tl_plot, tl_files]
        # timeline downloads: a folder per run under one temporary folder,
        # removed when the page is collected or the process ends
        downloads = tempfile.TemporaryDirectory(prefix="pengi-timeline-")
        demo.timeline_downloads = downloads  # lives as long as the page
        audio.change(lambda: [None] * len(results), None, results,
                     queue=False, **PRIVATE)
        for event, fn, n, inputs, outs, task in (
            (cap_btn.click, lambda p, a, *g: actions.caption(
                p, a, options(*g)), 1, [audio, *gen], [cap_out], "captioning"),
            (qa_btn.click, lambda p, a, q, *g: actions.answer(
                p, a, q, options(*g)), 1, [audio, question, *gen], [qa_out],
             "answering"),
            (question.submit, lambda p, a, q, *g: actions.answer(
                p, a, q, options(*g)), 1, [audio, question, *gen], [qa_out],
             "answering"),
            (cls_btn.click, lambda p, a, lab, sc, pr, *g: actions.classify(
                p, a, lab, sc, pr, options(*g)), 3,
             [audio, labels, scoring, cls_prompt, *gen],
             [ranking, chart, generated], "classifying"),
            (desc_btn.click, lambda p, a, *g: actions.describe(
                p, a, options(*g)), 1, [audio, *gen], [desc_out],
             "describing"),
            (gen_btn.click, lambda p, a, pr, *g: actions.generate(
                p, a, pr, options(*g)), 2, [audio, prompt, *gen],
             [gen_out, beams], "generating"),
            (tl_btn.click, lambda p, a, t, lab, hop, *g: actions.timeline(
                p, a, t, lab, hop, options(*g),
                tempfile.mkdtemp(dir=downloads.name)), 3,
             [audio, tl_task, tl_labels, tl_hop, *gen],
             [tl_table, tl_plot, tl_files], "making the timeline"),
        ):
            _on(event, run.guarded(fn, n, task), inputs, [*outs, status],
                status, task)
    return demo


def _search_tab(run, pengi, indexes, index_folder, cache_dir, model_key,
                status):
    """The folder search tab (inside ``build_demo``'s Blocks)."""
    enabled = can_search(pengi)
    if not enabled:
        gr.Markdown(f"**{NO_PROMPT_ENCODER}**", elem_id="search-disabled")
    folder = gr.Textbox(value=index_folder or "", label="Folder of audio "
                        "files (searched recursively)",
                        elem_id="search-folder", interactive=enabled)
    index_btn = gr.Button("Index folder", elem_id="index-button",
                          interactive=enabled)
    summary = gr.Markdown(elem_id="index-summary")
    with gr.Row():
        query = gr.Textbox(label="Search for", placeholder="a dog barks",
                           elem_id="search-query", interactive=enabled,
                           scale=3)
        top_k = gr.Slider(1, TOP_K, value=TOP_K, step=1, label="Results")
    search_btn = gr.Button("Search", variant="primary",
                           elem_id="search-button", interactive=enabled)
    results = gr.Markdown(elem_id="search-results")
    players = [gr.Audio(visible=False, interactive=False, buttons=["download"],
                        label=f"Result {i + 1}") for i in range(TOP_K)]

    def get_index(path, progress):
        """The folder's index, refreshed (embeds what changed)."""
        key = os.path.abspath(os.path.expanduser(path or ""))
        if key not in indexes:
            indexes[key] = FolderIndex(pengi, path, cache_dir, model_key)
        index = indexes[key]
        todo = index.stale()
        if todo:
            progress(0.0, desc=f"Embedding {len(todo)} files")
        report = index.refresh(lambda done, total: progress(
            done / total, desc=f"Embedding files: {done}/{total}"))
        return index, report

    def describe_report(index, report):
        text = (f"{report['files']} files indexed in `{index.folder}` "
                f"({report['embedded']} embedded now, the rest from the "
                f"cache `{index.cache_path}`).")
        if report["failed"]:
            bad = "; ".join(f"`{os.path.relpath(p, index.folder)}`: {e}"
                            for p, e in sorted(report["failed"].items()))
            text += f"\n\nLeft out (unreadable): {bad}"
        return text

    # Gradio finds its progress bar in a gr.Progress() default argument
    def do_index(path, progress=gr.Progress()):  # noqa: B008
        try:
            with run.lock:
                index, report = get_index(path, progress)
        except Exception as err:
            return "", _error("indexing", err)
        return describe_report(index, report), _ok("Folder indexed.")

    def do_search(path, text, k, progress=gr.Progress()):  # noqa: B008
        hidden = [gr.update(visible=False, value=None)] * TOP_K
        try:
            if not can_search(pengi):
                raise SearchError(NO_PROMPT_ENCODER)
            with run.lock:
                index, report = get_index(path, progress)
                found = index.search(text, int(k))
            rows = ["| rank | file | similarity |", "|---:|---|---:|"]
            updates = list(hidden)
            for i, (file, score) in enumerate(found):
                rel = os.path.relpath(file, index.folder)
                rows.append(f"| {i + 1} | `{rel}` | {score:.3f} |")
                data, rate = soundfile.read(file, dtype="int16")
                updates[i] = gr.update(visible=True, value=(rate, data),
                                       label=f"{i + 1}. {rel} "
                                       f"({score:.3f})")
        except Exception as err:
            return ("", "", *hidden, _error("searching", err))
        return (describe_report(index, report), "\n".join(rows), *updates,
                _ok(f"{len(found)} results."))

    _on(index_btn.click, do_index, [folder], [summary, status], status,
        "indexing")
    outputs = [summary, results, *players, status]
    _on(search_btn.click, do_search, [folder, query, top_k], outputs, status,
        "searching")
    _on(query.submit, do_search, [folder, query, top_k], outputs, status,
        "searching")

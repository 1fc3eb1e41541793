"""Model cards: the ``README.md`` of a pretrained folder, with the Hugging
Face YAML header, so that the folder can be pushed to the hub as it is.

A pretrained folder (``hyperparams.yaml`` + ``<module>.ckpt``, written by
:func:`pengi_sb.convert.save_pretrained` for ``convert`` and ``export``)
gets a ``README.md`` beside ``hyperparams.yaml``: the YAML header (license,
library, pipeline, tags, datasets, metrics) that the hub indexes, then how
to load the model from the hub or the folder and where it came from.

Example
-------
>>> card = model_card("base", 323.0e6, origin="a test")
>>> card.splitlines()[0], "pipeline_tag: audio-text-to-text" in card
('---', True)
>>> "Pengi.from_hparams" in card and "pengi-sb caption" in card
True

Authors
 * pengi-sb developers 2026
"""

import json
import os

RELEASE_URL = "https://zenodo.org/record/8387083"
PAPER_URL = "https://arxiv.org/abs/2305.11834"
# the pretraining data of the paper (about 3.4M audio-text pairs)
PAPER_DATASETS = ("AudioSet", "FSD50K", "CochlScene", "MSP-Podcast",
                  "CMU-MOSI", "CMU-MOSEI", "MELD", "NSynth", "FMA",
                  "AudioCaps", "Clotho", "ClothoAQA", "WavText5K",
                  "SoundDescs", "MACS", "WavCaps", "FreeSound", "FindSound")
# what the benchmarks of this package report (pengi_sb.metrics)
METRICS = ("spider", "cider", "meteor", "bleu", "rouge", "accuracy", "map")
TAGS = ("audio", "audio-language-model", "audio-captioning",
        "audio-question-answering", "zero-shot-audio-classification",
        "speechbrain", "pengi")
VARIANT_NOTES = {
    "base": "HTS-AT audio encoder, CLIP text encoder for the prompt, two "
            "transformer mappers and a frozen GPT-2 decoder (the paper's "
            "model)",
    "base_no_text_enc": "HTS-AT audio encoder, the prompt embedded by "
                        "GPT-2's own token embeddings (no text encoder), two "
                        "transformer mappers and a frozen GPT-2 decoder",
    "small": "a small HTS-AT, the prompt embedded by the decoder's token "
             "embeddings and a 4-layer GPT-2 over a SentencePiece "
             "vocabulary, trained from scratch with this package",
}
CARD_FILE = "README.md"


def _yaml_list(key, values):
    if not values:
        return []
    return [f"{key}:"] + [f"- {json.dumps(str(v))}" for v in values]


def model_card(variant, n_parameters, *, origin, license="unknown",
               license_name=None, license_link=None, datasets=(),
               metrics=METRICS, tags=TAGS, repo_id="<owner>/<name>",
               results=None):
    """The text of a model card.

    Arguments
    ---------
    variant : str
        The model definition's ``variant`` (``base``, ``base_no_text_enc``,
        ``small`` or another name).
    n_parameters : int or float
        Parameter count, shown in millions.
    origin : str
        Where the weights come from (converted release file, training run).
    license : str
        A Hugging Face license id (``mit``, ``cc-by-4.0``, ``other``,
        ``unknown``...).
    license_name, license_link : str, optional
        With ``license="other"``: its name and where to read it.
    datasets : sequence of str
        The training data.
    metrics : sequence of str
        The metrics the model is evaluated with.
    tags : sequence of str
        Hub tags.
    repo_id : str
        The hub repository the loading example names.
    results : dict, optional
        ``{"name": value}`` measured results, listed in the card.

    Returns
    -------
    str
        The ``README.md`` text: YAML header, then Markdown.
    """
    header = ["---", f"license: {license}"]
    if license_name:
        header.append(f"license_name: {license_name}")
    if license_link:
        header.append(f"license_link: {license_link}")
    header += ["library_name: speechbrain",
               "pipeline_tag: audio-text-to-text",
               *_yaml_list("tags", tags), *_yaml_list("datasets", datasets),
               *_yaml_list("metrics", metrics), "---"]
    about = VARIANT_NOTES.get(variant, f"the '{variant}' model definition")
    lines = [
        f"# Pengi ({variant}) for SpeechBrain",
        "",
        "Pengi is an audio language model: audio + a text prompt -> text "
        f"([paper]({PAPER_URL})). Every task is text generation: "
        "captioning, question answering, zero-shot classification (by the "
        "likelihood of each label), sound events, scenes, music and speech "
        "analysis, and audio-grounded text continuation.",
        "",
        f"The model: {about}; {n_parameters / 1e6:.1f}M parameters, in a "
        "SpeechBrain pretrained folder (`hyperparams.yaml` and one "
        "`.ckpt` per module) for pengi-sb, the SpeechBrain plugin of "
        "Pengi.",
        "",
        f"Origin: {origin}.",
        "",
        "## How to load it",
        "",
        "Install pengi-sb (`pip install .` in its source folder), then:",
        "",
        "```python",
        "from pengi_sb.inference import Pengi",
        "",
        f'pengi = Pengi.from_hparams(source="{repo_id}",',
        '                            run_opts={"device": "cuda", '
        '"precision": "bf16"})',
        'print(pengi.caption_file("dog.wav").text)',
        'print(pengi.answer_file("street.wav", "is it raining?").text)',
        'print(pengi.classify_file("a.wav", ["dog", "rain", "siren"])'
        ".predicted)",
        "```",
        "",
        "or from the command line:",
        "",
        "```bash",
        f"pengi-sb caption dog.wav rain.flac --source {repo_id}",
        f'pengi-sb classify *.wav --labels dog rain siren --source {repo_id}'
        " --output labels.csv",
        "```",
        "",
        "`source` may also be the local folder. Audio of any rate and "
        "channel count is resampled and mixed to mono; long clips are cut "
        "into overlapping windows whose embeddings are averaged.",
    ]
    if results:
        lines += ["", "## Results", "", "| measure | value |",
                  "| --- | --- |"]
        lines += [f"| {k} | {v} |" for k, v in results.items()]
    if license == "other" and license_link:
        lines += ["", "## License", "",
                  f"The weights are under the terms of their release: "
                  f"{license_link}."]
    lines += ["", "## Citation", "", "```bibtex",
              "@inproceedings{Pengi,",
              "  title={Pengi: An Audio Language Model for Audio Tasks},",
              "  author={Soham Deshmukh and Benjamin Elizalde and Rita Singh"
              " and Huaming Wang},",
              "  booktitle={Advances in Neural Information Processing "
              "Systems},",
              "  year={2023}",
              "}", "```", ""]
    return "\n".join(header + [""] + lines)


def release_card_fields(variant, release_path):
    """Model-card fields of a checkpoint converted from the authors'
    release (``base.pth`` / ``base_no_text_enc.pth``)."""
    return {
        "variant": variant,
        "origin": f"converted with `python -m pengi_sb.convert` from "
                  f"`{os.path.basename(release_path)}` of the authors' "
                  f"release ({RELEASE_URL}), the weights of the paper",
        "license": "other",
        "license_name": "pengi-release",
        "license_link": RELEASE_URL,
        "datasets": PAPER_DATASETS,
    }


def write_model_card(out_dir, variant, n_parameters, **fields):
    """Writes ``out_dir/README.md``; returns its path. Arguments as
    :func:`model_card`."""
    path = os.path.join(out_dir, CARD_FILE)
    with open(path, "w", encoding="utf-8") as f:
        f.write(model_card(variant, n_parameters, **fields))
    return path


def read_card_header(path):
    """The YAML header of a model card, parsed as YAML.

    Example
    -------
    >>> import tempfile
    >>> out = write_model_card(tempfile.mkdtemp(), "small", 6.9e6,
    ...                        origin="a test", datasets=["LocalSounds"])
    >>> read_card_header(out)["datasets"]
    ['LocalSounds']
    """
    import ruamel.yaml

    with open(path, encoding="utf-8") as f:
        text = f.read()
    if not text.startswith("---\n") or "\n---\n" not in text[3:]:
        raise ValueError(f"{path} has no YAML header between '---' lines")
    body = text[4:text.index("\n---\n", 3)]
    return dict(ruamel.yaml.YAML(typ="safe", pure=True).load(body))

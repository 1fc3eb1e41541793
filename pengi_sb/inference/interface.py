"""Pengi's inference interface: every task from one ``Pretrained`` class.

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

Every task has ``*_file(path)``, ``*_files(paths)`` and
``*_batch(wavs, wav_lens)`` forms (wavs ``[B, T]`` at the model rate,
``wav_lens`` relative lengths in (0, 1] as in SpeechBrain). Clips of any
length, rate and channel count are accepted: audio is mixed to mono and
resampled; short clips are tiled as the original did; longer clips are cut
deterministically into overlapping windows (hop: half a window) whose audio
embeddings are averaged (``window_mode="mean"``, the default), or one window
is taken (``"first"`` or ``"centre"``); never a random crop.

All clips of a call are encoded and decoded together: the prefix runs once
through GPT-2 and a KV cache carries the rest (see :mod:`pengi_sb.decoding.search`).

Authors
 * pengi-sb developers 2026
"""

import os
from dataclasses import dataclass, field

import torch
from speechbrain.inference.interfaces import Pretrained

from pengi_sb.data.audio import (
    AudioError,
    average_windows,
    load_audio,
    prepare_waveform,
    window_waveform,
)
from pengi_sb.decoding.search import (
    beam_search,
    continuation_logprobs,
    greedy_search,
    sample,
)
from pengi_sb.tasks import get_template
from pengi_sb.text.sentence_embedding import SentenceEmbedder, cosine_similarity
from pengi_sb.text.tokenizers import TextTokenizer, load_tokenizer

DESCRIBE_PROMPTS = ("generate audio caption", "generate metadata",
                    "this is a sound of")


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

    Arguments
    ---------
    window_mode : str
        How clips longer than the model window are handled: ``"mean"``
        (average the embeddings of overlapping windows), ``"first"`` or
        ``"centre"`` (one window).
    encode_batch_size : int
        Most audio windows encoded in one forward pass.
    *args, **kwargs
        As :class:`speechbrain.inference.interfaces.Pretrained`.

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

    def __init__(self, *args, window_mode="mean", encode_batch_size=16,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.model = self.hparams.model.to(self.device).eval()
        self.window_mode = window_mode
        self.encode_batch_size = encode_batch_size
        self.sample_rate = int(self.hparams.sample_rate)
        self.window = int(round(self.hparams.clip_seconds * self.sample_rate))
        self._prompt_prefixes = {}
        self._tokenizers = {}
        self._embedders = {}

    # ------------------------------------------------------------ tokenizers
    def _tokenizer(self, role):
        """The ``prompt`` or ``decoder`` tokenizer, built on first use."""
        if role not in self._tokenizers:
            kind = getattr(self.hparams, f"{role}_tokenizer")
            source = getattr(self.hparams, f"{role}_tokenizer_source", None)
            if kind == "sentencepiece":
                tok = TextTokenizer("sentencepiece", self.hparams.tokenizer,
                                    "</s>", self.hparams.tokenizer.pad_id())
            else:
                tok = load_tokenizer(kind, source,
                                     getattr(self.hparams, "stop_text", None)
                                     if role == "decoder" else None)
            self._tokenizers[role] = tok
        return self._tokenizers[role]

    @property
    def tokenizer(self):
        """The decoder tokenizer (text <-> GPT-2 token ids)."""
        return self._tokenizer("decoder")

    # ----------------------------------------------------------------- audio
    def load_audio(self, path, savedir=None):
        """File -> mono float32 ``[T]`` at the model rate."""
        return load_audio(path, self.sample_rate)

    def _from_batch(self, wavs, wav_lens=None, sample_rate=None):
        """``[B, T]`` (+ relative lengths) -> list of ``[T_i]`` tensors."""
        wavs = torch.as_tensor(wavs)
        if wavs.dim() == 1:
            wavs = wavs.unsqueeze(0)
        if wav_lens is None:
            wav_lens = torch.ones(wavs.shape[0])
        rate = sample_rate or self.sample_rate
        out = []
        for i, (wav, rel) in enumerate(zip(wavs, wav_lens)):
            n = int(round(float(rel) * wav.shape[-1]))
            out.append(prepare_waveform(wav[..., :n].cpu(), rate,
                                        self.sample_rate, f"batch item {i}"))
        return out

    def _from_files(self, paths):
        if isinstance(paths, (str, os.PathLike)):
            raise TypeError("pass a list of paths to *_files (or use *_file)")
        return [self.load_audio(p) for p in paths]

    @torch.inference_mode()
    def _embed(self, waves):
        """List of ``[T_i]`` -> audio embeddings ``[B, d_proj]``.

        Each clip is cut into model windows; the windows of all clips are
        encoded together (``encode_batch_size`` at a time) and averaged per
        clip.
        """
        windows, owner = [], []
        for i, wav in enumerate(waves):
            w = window_waveform(wav, self.window, self.window_mode)
            windows.append(w)
            owner += [i] * w.shape[0]
        windows = torch.cat(windows).to(self.device)
        owner = torch.tensor(owner, device=self.device)
        embs = torch.cat([
            self.model.encode_audio(windows[s:s + self.encode_batch_size])
            for s in range(0, windows.shape[0], self.encode_batch_size)
        ])
        return average_windows(embs, owner, len(waves))

    def embed_audio_batch(self, wavs, wav_lens=None, sample_rate=None):
        """Audio embeddings ``[B, d_proj]`` (not normalised)."""
        return self._embed(self._from_batch(wavs, wav_lens, sample_rate))

    def embed_audio_files(self, paths):
        """Audio embeddings ``[B, d_proj]`` of files."""
        return self._embed(self._from_files(paths))

    def embed_audio_file(self, path):
        """Audio embedding ``[d_proj]`` of one file."""
        return self.embed_audio_files([path])[0]

    # ---------------------------------------------------------------- prompts
    @torch.inference_mode()
    def embed_prompt(self, prompts):
        """Prompt embeddings: ``[N, d_proj]`` with a prompt encoder, or the
        ``[N, L, E]`` token embeddings (``base_no_text_enc``)."""
        ids, mask = self._tokenizer("prompt").encode_prompts(
            list(prompts), int(self.hparams.prompt_max_length))
        return self.model.encode_prompt(ids.to(self.device),
                                        mask.to(self.device))

    @torch.inference_mode()
    def _prompt_prefix(self, prompts):
        """``[N, P, E]`` prompt prefixes, cached per prompt text."""
        new = sorted({p for p in prompts if p not in self._prompt_prefixes})
        if new:
            prefixes = self.model.prompt_prefix(self.embed_prompt(new))
            self._prompt_prefixes.update(zip(new, prefixes))
        return torch.stack([self._prompt_prefixes[p] for p in prompts])

    def _prefix(self, audio_embeddings, prompts, add_texts=None):
        """``(prefix [B, L, E], mask [B, L] or None)``: audio prefix, prompt
        prefix, and the token embeddings of any extra text, left-padded."""
        with torch.inference_mode():
            audio = self.model.audio_prefix(audio_embeddings)
            base = torch.cat([audio, self._prompt_prefix(prompts)], dim=1)
            if not add_texts or not any(add_texts):
                return base, None
            extra = [self.tokenizer.encode(t) if t else [] for t in add_texts]
            width = base.shape[1] + max(len(e) for e in extra)
            prefix = base.new_zeros(base.shape[0], width, base.shape[2])
            mask = torch.zeros(base.shape[0], width, dtype=torch.long,
                               device=base.device)
            lm = self.model.prefix_lm
            for i, ids in enumerate(extra):
                row = base[i]
                if ids:
                    emb = lm.embed_tokens(torch.tensor(ids, device=base.device))
                    row = torch.cat([row, emb])
                prefix[i, width - row.shape[0]:] = row
                mask[i, width - row.shape[0]:] = 1
            return prefix, mask

    # ---------------------------------------------------------------- generate
    def _check_context(self, prefix_len, max_len):
        limit = self.model.prefix_lm.max_positions
        if prefix_len + max_len > limit:
            raise ValueError(
                f"prefix ({prefix_len} positions: audio + prompt + extra "
                f"text) plus max_len={max_len} exceeds the language model's "
                f"context of {limit}: shorten the extra text or max_len"
            )

    def _stop_id(self, stop_token):
        if stop_token is None:
            return self.tokenizer.stop_token_id
        return self.tokenizer.encode(stop_token)[0]

    def _generate(self, embeddings, prompts, add_texts=None, method="beam",
                  beam_size=3, max_len=30, temperature=1.0, top_k=0,
                  top_p=1.0, seed=None, stop_token=None):
        if len(prompts) != embeddings.shape[0]:
            raise ValueError(f"{embeddings.shape[0]} clips but {len(prompts)} "
                             "prompts: give one prompt per clip")
        if add_texts is not None and len(add_texts) != len(prompts):
            raise ValueError("give one add_text per clip (or None)")
        prefix, mask = self._prefix(embeddings, prompts, add_texts)
        self._check_context(prefix.shape[1], max_len)
        lm, stop = self.model.prefix_lm, self._stop_id(stop_token)
        if method == "beam":
            hyps = beam_search(lm, prefix, beam_size, max_len, temperature,
                               stop, mask)
        elif method == "greedy":
            hyps = [[h] for h in greedy_search(lm, prefix, max_len, stop, mask,
                                               temperature)]
        elif method == "sample":
            hyps = [[h] for h in sample(lm, prefix, max_len, stop, mask,
                                        temperature, top_k, top_p, seed)]
        else:
            raise ValueError(f"method must be beam, greedy or sample, not "
                             f"'{method}'")
        results = []
        for clip in hyps:
            beams = [(self.tokenizer.decode(h.tokens), h.tokens, h.score)
                     for h in clip]
            text, tokens, score = beams[0]
            results.append(GenerationResult(text, tokens, score, beams))
        return results

    def generate_batch(self, wavs, wav_lens=None, prompts=None,
                       add_texts=None, sample_rate=None, **options):
        """Free-prompt generation for a batch.

        Arguments
        ---------
        wavs : torch.Tensor
            ``[B, T]`` samples (at ``sample_rate``, default the model rate).
        wav_lens : torch.Tensor, optional
            ``[B]`` relative lengths.
        prompts : list of str
            One prompt per clip.
        add_texts : list of str, optional
            Text appended after the prefix (audio-grounded continuation).
        **options
            ``method`` (beam | greedy | sample), ``beam_size`` (3),
            ``max_len`` (30), ``temperature`` (1.0), ``top_k``, ``top_p``,
            ``seed``, ``stop_token`` (text; default the stop sequence).

        Returns
        -------
        list of GenerationResult
            Text, token ids and score of the best hypothesis, all beams.
        """
        emb = self.embed_audio_batch(wavs, wav_lens, sample_rate)
        return self._generate(emb, _per_clip(prompts, emb.shape[0]),
                              add_texts, **options)

    def generate_files(self, paths, prompts, add_texts=None, **options):
        """Free-prompt generation for files (one prompt, or one per file)."""
        emb = self._embed(self._from_files(paths))
        return self._generate(emb, _per_clip(prompts, len(paths)), add_texts,
                              **options)

    def generate_file(self, path, prompt, add_text=None, **options):
        """Free-prompt generation for one file."""
        return self.generate_files([path], [prompt],
                                   [add_text] if add_text else None,
                                   **options)[0]

    # -------------------------------------------------------- template tasks
    def run_task_batch(self, task, wavs, wav_lens=None, sample_rate=None,
                       fields=None, **options):
        """Runs template ``task`` (its prompt) on a batch."""
        emb = self.embed_audio_batch(wavs, wav_lens, sample_rate)
        return self._generate(emb, [_prompt(task, fields)] * emb.shape[0],
                              **options)

    def run_task_files(self, task, paths, fields=None, **options):
        """Runs template ``task`` (its prompt) on files."""
        emb = self._embed(self._from_files(paths))
        return self._generate(emb, [_prompt(task, fields)] * len(paths),
                              **options)

    def answer_batch(self, wavs, question, wav_lens=None, **options):
        """Answers ``question`` about each clip of a batch."""
        return self.run_task_batch("audio_qa", wavs, wav_lens,
                                   fields={"question": question}, **options)

    def answer_files(self, paths, question, **options):
        """Answers ``question`` about each file."""
        return self.run_task_files("audio_qa", paths,
                                   fields={"question": question}, **options)

    def answer_file(self, path, question, **options):
        """Answers ``question`` about one file."""
        return self.answer_files([path], question, **options)[0]

    def describe_files(self, paths, **options):
        """The original's three-prompt summary: caption, metadata and sound
        events, joined into one text per file."""
        emb = self._embed(self._from_files(paths))
        return self._describe(emb, **options)

    def describe_batch(self, wavs, wav_lens=None, **options):
        """Three-prompt summary of each clip of a batch."""
        return self._describe(self.embed_audio_batch(wavs, wav_lens),
                              **options)

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

    def continue_text_files(self, paths, prompt, texts, **options):
        """Audio-grounded continuation of ``texts`` (one per file)."""
        emb = self._embed(self._from_files(paths))
        return self._generate(emb, [prompt] * len(paths), list(texts),
                              **options)

    def continue_text_file(self, path, prompt, text, **options):
        """Continues ``text`` after ``prompt`` about one file."""
        return self.continue_text_files([path], prompt, [text], **options)[0]

    def continue_text_batch(self, wavs, prompt, texts, wav_lens=None,
                            **options):
        """Audio-grounded continuation of ``texts`` for a batch."""
        emb = self.embed_audio_batch(wavs, wav_lens)
        return self._generate(emb, [prompt] * emb.shape[0], list(texts),
                              **options)

    # ---------------------------------------------------------- classification
    def classify_files(self, paths, labels, prompt="this is a sound of",
                       **options):
        """Zero-shot close-ended classification of files; see
        :meth:`classify_batch`."""
        return self._classify(self._embed(self._from_files(paths)), labels,
                              prompt, **options)

    def classify_file(self, path, labels, prompt="this is a sound of",
                      **options):
        """Zero-shot classification of one file."""
        return self.classify_files([path], labels, prompt, **options)[0]

    def classify_batch(self, wavs, labels, prompt="this is a sound of",
                       wav_lens=None, **options):
        """Zero-shot close-ended classification.

        Arguments
        ---------
        wavs, wav_lens
            The batch.
        labels : list of str
            Candidate labels (as they appear in the training targets).
        prompt : str
            The task's prompt.
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
        return self._classify(self.embed_audio_batch(wavs, wav_lens), labels,
                              prompt, **options)

    def classify_embeddings(self, audio_embeddings, labels,
                            prompt="this is a sound of", **options):
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

    # --------------------------------------------------------------- retrieval
    def retrieve(self, texts, audio_paths=None, audio_embeddings=None):
        """Text-to-audio and audio-to-text retrieval.

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
    template = get_template(task)
    try:
        return template.prompt.format(**(fields or {}))
    except KeyError as err:
        raise KeyError(f"task '{task}' needs field {err} for its prompt "
                       f"'{template.prompt}'") from None


def _per_clip(prompts, n):
    if isinstance(prompts, str):
        return [prompts] * n
    prompts = list(prompts or [])
    if len(prompts) != n:
        raise ValueError(f"{n} clips but {len(prompts)} prompts")
    return prompts


def _task_methods(task, summary):
    """``*_batch``, ``*_files`` and ``*_file`` methods of a template task."""

    def batch(self, wavs, wav_lens=None, sample_rate=None, **options):
        return self.run_task_batch(task, wavs, wav_lens, sample_rate,
                                   **options)

    def files(self, paths, **options):
        return self.run_task_files(task, paths, **options)

    def file(self, path, **options):
        return self.run_task_files(task, [path], **options)[0]

    prompt = get_template(task).prompt
    batch.__doc__ = f"{summary} (prompt '{prompt}'), for a batch."
    files.__doc__ = f"{summary} (prompt '{prompt}'), for files."
    file.__doc__ = f"{summary} (prompt '{prompt}'), for one file."
    return batch, files, file


# one method family per task template of the paper
for _name, _task, _summary in (
    ("caption", "captioning", "Captions each clip"),
    ("sound_events", "sound_event", "Names the sound events"),
    ("scene", "acoustic_scene", "Names the acoustic scene"),
    ("emotion", "emotion", "Names the speech emotion"),
    ("sentiment", "sentiment", "Names the speech sentiment"),
    ("music_analysis", "music_analysis", "Analyses the music"),
    ("music_note", "music_note", "Describes the music note"),
    ("metadata", "metadata", "Generates metadata"),
):
    for _suffix, _fn in zip(("_batch", "_files", "_file"),
                            _task_methods(_task, _summary)):
        _fn.__name__ = _name + _suffix
        setattr(Pengi, _name + _suffix, _fn)

__all__ = ["Pengi", "GenerationResult", "ClassificationResult", "AudioError"]

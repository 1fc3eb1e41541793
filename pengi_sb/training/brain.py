"""The one training / evaluation loop of Pengi: :class:`PengiBrain`.

``PengiBrain`` is a ``speechbrain.core.Brain`` over one module, ``model``
(a :class:`~pengi_sb.lobes.pengi.PengiModel`), fed with
:class:`~pengi_sb.data.pipeline.PengiBatch` batches:

* training: prefix + teacher forcing through ``PengiModel.forward`` (so
  that DDP synchronises the gradients), next-token cross-entropy on the
  target tokens only; which parts learn is the model definition's business
  (``freeze_lm``, ``freeze_prompt_encoder``: the paper freezes GPT-2 and
  CLIP; a from-scratch model trains everything); only trainable
  parameters reach the optimizer (AdamW in the recipes);
* a step-wise linear warm-up + cosine learning-rate schedule
  (:class:`~pengi_sb.training.scheduler.WarmupCosineScheduler`, checkpointed; its step count always
  equals the Brain's ``optimizer_step``);
* what SpeechBrain gives every Brain: gradient clipping
  (``max_grad_norm``), mixed precision (``--precision bf16/fp16``),
  gradient accumulation, DDP, progress bars, intra-epoch checkpoints
  (``ckpt_interval_steps`` / ``ckpt_interval_minutes``) that store the
  data position (``SaveableDataLoader``), the optimizer, the scheduler, the
  epoch and the step counters, so that a killed run resumes mid-epoch;
* validation / test: loss, teacher-forced token accuracy, and, when the
  hparams ask (``valid_generate_every``, ``test_generate``), generated
  texts scored with :mod:`pengi_sb.metrics` (caption metrics on
  ``captioning`` items, exact-match accuracy on the others);
* an optional audio-text contrastive term (a ``contrastive`` module in
  ``modules``, :mod:`pengi_sb.lobes.contrastive`), weighted by
  ``contrastive_weight`` and computed over the items whose task is in
  ``contrastive_tasks``: the from-scratch recipes use it to give the audio
  encoder the signal the release's CLAP encoder had before Pengi; items
  of ``contrastive_label_tasks`` are contrasted with their class labels
  instead of their target (:func:`~pengi_sb.training.contrastive_texts.contrastive_texts`);
* unreadable audio: batches list the items the data pipeline dropped
  (:mod:`pengi_sb.data.pipeline`); they are counted and reported every epoch
  (``skipped_audio`` in the train log). A batch left empty is skipped (by
  every DDP rank together).

Hparams the Brain reads (all optional except ``model`` in ``modules``):
``lr_annealing`` (a scheduler), ``epoch_counter``, ``train_logger``,
``keep_checkpoints``, ``valid_generate_every``, ``test_generate``,
``search`` (``beam`` / ``greedy`` / ``sample``: the ``method`` of
:func:`pengi_sb.decoding.search.decode`), ``beam_size``, ``max_decode_len``,
``caption_metrics`` (names), ``caption_tokenize``, ``output_folder``,
``max_target_tokens``, ``contrastive_weight``, ``contrastive_tasks``,
``contrastive_label_tasks``.

Authors
 * pengi-sb developers 2026
"""

import json
import math
import os
import pathlib
import time

import speechbrain as sb
import torch
from speechbrain.utils.distributed import ddp_broadcast, if_main_process
from speechbrain.utils.logger import get_logger
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from pengi_sb.data.audio import embed_windows
from pengi_sb.data.pipeline import PengiDataset, collate_batch
from pengi_sb.decoding.search import DECODING_METHODS, decode
from pengi_sb.lobes.pengi import PengiModel
from pengi_sb.training.contrastive_texts import contrastive_texts
from pengi_sb.metrics.generation import check_caption_tools, score_generations

logger = get_logger(__name__)

__all__ = ["PengiBrain", "generation_stats"]


def generation_stats(records, metrics=("bleu_4", "rouge_l", "cider_d"),
                     tokenize=True):
    """The logged statistics of generated texts, scored by
    :func:`pengi_sb.metrics.generation.score_generations`.

    Arguments
    ---------
    records : list of dict
        ``{"task", "hypothesis", "target", "references"}`` per item.
    metrics : sequence of str
        Caption metrics (:func:`pengi_sb.metrics.caption_metrics`) for the
        ``captioning`` items (at least two are needed; SPICE and SPIDEr
        are left out where SPICE is not installed).
    tokenize : bool
        PTB-tokenise captions first (needs Java).

    Returns
    -------
    dict
        ``text_acc`` (normalised exact match, non-captioning items) and
        the caption metrics that could be computed.

    Example
    -------
    >>> generation_stats([
    ...     {"task": "emotion", "hypothesis": "Happy.", "target": "happy",
    ...      "references": ["happy"]},
    ...     {"task": "emotion", "hypothesis": "sad", "target": "angry",
    ...      "references": ["angry"]}])
    {'text_acc': 0.5}
    """
    scores = score_generations(records, tuple(metrics or ()),
                               tokenize=tokenize)
    stats = {}
    if scores.answers:
        stats["text_acc"] = scores.answers["accuracy"]
    stats.update({name: value for name, value in scores.captions.items()
                  if name != "n" and value is not None})
    for name, reason in scores.unavailable.items():
        logger.info("%s not computed: %s", name, reason)
    return stats


class PengiBrain(sb.core.Brain):
    """Trains and evaluates a :class:`~pengi_sb.lobes.pengi.PengiModel`.

    Arguments
    ---------
    *args, **kwargs
        Those of ``speechbrain.core.Brain``; ``modules`` must hold the
        model as ``model``.
    tokenizer : pengi_sb.text.tokenizers.TextTokenizer, optional
        The target tokenizer: needed to generate text (stop token, decode).
    """

    def __init__(self, *args, tokenizer=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "model" not in self.modules:
            raise ValueError(
                "PengiBrain needs the PengiModel in modules as 'model' "
                f"(got {list(self.modules)})"
            )
        search = self._hp("search", "beam")
        if search not in DECODING_METHODS:
            raise ValueError(f"hparams 'search' must be one of "
                             f"{DECODING_METHODS}, not {search!r}")
        self._share_debug_checkpoints()
        self.tokenizer = tokenizer
        self.resumed_at = None
        self.stage_stats = {}
        self.train_stats = None
        self._train_dataset = None
        self._train_batches = None
        self._stage_started = {}
        self._epoch_seconds = []
        self._has_valid = True
        self._tools_checked = False
        self._reset_stage_records(generating=False)

    # -------------------------------------------------------------- helpers
    def _share_debug_checkpoints(self):
        """``--debug`` under DDP: one temporary checkpoint folder for all.

        ``sb.Brain`` gives every process its own temporary folder in debug
        mode; the checkpointer's deletions then differ between processes
        and DDP runs wait forever in ``Checkpointer.delete_checkpoints``.
        Every process takes the main process's folder instead.
        """
        if (self.debug and not self.debug_persistently
                and self.checkpointer is not None
                and self.distributed_launch
                and torch.distributed.is_initialized()):
            shared = ddp_broadcast(str(self.checkpointer.checkpoints_dir))
            self.checkpointer.checkpoints_dir = pathlib.Path(shared)

    @property
    def model(self):
        """The PengiModel itself (without a DDP / DataParallel wrapper)."""
        module = self.modules["model"]
        return getattr(module, "module", module)

    def _hp(self, name, default=None):
        return getattr(self.hparams, name, default) if hasattr(
            self, "hparams") else default

    def _reset_stage_records(self, generating):
        self._skipped = []
        self._contrastive_sum = 0.0
        self._contrastive_steps = 0
        self._token_correct = 0
        self._token_total = 0
        self.generated = []
        self._generating = generating

    def prefix(self, batch):
        """Prefix embeddings ``[B, 2P, E]`` of an evaluation batch; the
        audio embeddings of several windows of one clip are averaged
        (:func:`~pengi_sb.data.audio.embed_windows`, as in inference)."""
        model = self.model
        audio = embed_windows(model.encode_audio, batch.wav, batch.wav_owner,
                              len(batch))  # [B, d]
        return model.prefix_from_audio_embedding(audio, batch.prompt_ids,
                                                 batch.prompt_mask)

    # ------------------------------------------------------ forward and loss
    def compute_forward(self, batch, stage):
        """Teacher-forced logits ``[B, 2P + T, V]`` (and, in evaluation,
        the prefix, for generation)."""
        batch = batch.to(self.device)
        if stage == sb.Stage.TRAIN:
            if not batch.one_window_each:
                raise ValueError("training batches need one audio window "
                                 "per clip (PengiDataset(train=True))")
            logits, audio = self.modules.model(
                batch.wav, batch.prompt_ids, batch.prompt_mask,
                batch.target_ids, batch.target_mask,
                return_audio_embedding=True,
            )
            return {"logits": logits, "audio_embedding": audio}
        prefix = self.prefix(batch)
        logits = self.model.logits_from_prefix(prefix, batch.target_ids,
                                               batch.target_mask)
        return {"logits": logits, "prefix": prefix}

    def compute_objectives(self, predictions, batch, stage):
        """Cross-entropy on the target tokens; evaluation statistics."""
        batch = batch.to(self.device)
        logits = predictions["logits"]
        loss = PengiModel.loss(logits, batch.target_ids, batch.target_mask)
        if stage == sb.Stage.TRAIN and "contrastive" in self.modules:
            loss = loss + self._contrastive_loss(predictions, batch)
        if stage != sb.Stage.TRAIN:
            n_target = batch.target_ids.shape[1]
            guess = logits[:, -n_target - 1:-1].argmax(dim=-1)
            valid = batch.target_mask.bool()
            self._token_correct += int(((guess == batch.target_ids)
                                        & valid).sum())
            self._token_total += int(valid.sum())
            if self._generating:
                self._generate(predictions["prefix"], batch)
        return loss

    def _contrastive_loss(self, predictions, batch):
        """``contrastive_weight`` x the audio-text contrastive term over the
        items whose task is in ``contrastive_tasks`` (all when unset)."""
        tasks = self._hp("contrastive_tasks")
        use = torch.tensor([tasks is None or t in tasks for t in batch.tasks],
                           device=batch.target_ids.device)
        ids, mask = contrastive_texts(
            batch, self.tokenizer, self._hp("contrastive_label_tasks"))
        term = self.modules.contrastive(
            predictions["audio_embedding"], ids, mask, use=use)
        self._contrastive_sum += float(term.detach())
        self._contrastive_steps += 1
        return float(self._hp("contrastive_weight", 1.0)) * term

    def _generate(self, prefix, batch):
        if self.tokenizer is None:
            raise ValueError("PengiBrain needs tokenizer= to generate text")
        clips = decode(self.model.prefix_lm, prefix,
                       self._hp("search", "beam"),
                       stop_token_id=self.tokenizer.stop_token_id,
                       max_len=int(self._hp("max_decode_len", 30)),
                       beam_size=int(self._hp("beam_size", 3)))
        for i, hyp in enumerate(clip[0] for clip in clips):
            self.generated.append({
                "id": batch.ids[i], "task": batch.tasks[i],
                "prompt": batch.prompts[i],
                "hypothesis": self.tokenizer.decode(hyp.tokens),
                "target": batch.targets[i],
                "references": batch.references[i],
            })

    # ---------------------------------------------------- batches and steps
    def fit_batch(self, batch):
        """One training step; a batch emptied by unreadable audio is
        skipped (on every DDP rank at once)."""
        self._skipped.extend(batch.skipped)
        if self._any_rank_empty(batch):
            return torch.tensor(float("nan"))
        return super().fit_batch(batch.to(self.device))

    def evaluate_batch(self, batch, stage):
        """One evaluation batch (empty batches are skipped)."""
        self._skipped.extend(batch.skipped)
        if len(batch) == 0:
            return torch.tensor(float("nan"))
        return super().evaluate_batch(batch.to(self.device), stage)

    def _any_rank_empty(self, batch):
        empty = len(batch) == 0
        if self.distributed_launch and torch.distributed.is_initialized():
            flag = torch.tensor([int(empty)], device=self.device)
            torch.distributed.all_reduce(flag,
                                         op=torch.distributed.ReduceOp.MAX)
            empty = bool(flag.item())
        if empty:
            logger.warning("skipping a training batch without readable "
                           "audio (on this or another process)")
        return empty

    def on_fit_batch_start(self, batch, should_step):
        """Sets the learning rate of the coming optimizer step."""
        scheduler = self._hp("lr_annealing")
        if should_step and scheduler is not None:
            scheduler(self.optimizer)

    def init_optimizers(self):
        """One optimizer over the trainable parameters only (frozen parts,
        e.g. GPT-2 and CLIP in the paper, stay out of it)."""
        if self.opt_class is None:
            return super().init_optimizers()
        params = [p for p in self.modules.parameters() if p.requires_grad]
        if not params:
            raise ValueError("every parameter is frozen: nothing to train")
        self.optimizer = self.opt_class(params)
        self.optimizers_dict = {"opt_class": self.optimizer}
        if self.checkpointer is not None:
            self.checkpointer.add_recoverable("optimizer", self.optimizer)
        n = sum(p.numel() for p in params)
        total = sum(p.numel() for p in self.modules.parameters())
        logger.info("optimizing %.2fM of %.2fM parameters", n / 1e6,
                    total / 1e6)

    # SpeechBrain 1.1 has no public hook for how modules are wrapped for
    # DDP: Brain.on_fit_start calls the private _wrap_distributed, which
    # always converts BatchNorm to SyncBatchNorm, and SyncBatchNorm refuses
    # CPU tensors. Overriding on_fit_start instead would mean copying its
    # compile / optimizer / recovery sequence, so this one private method
    # is overridden, for CPU DDP only.
    def _wrap_distributed(self):
        """DDP; on CPU without SyncBatchNorm, which needs a GPU (each
        process keeps its own BatchNorm statistics, as DDP's buffer
        broadcast from rank 0 refreshes them every step)."""
        if not (self.distributed_launch and self.device_type == "cpu"):
            return super()._wrap_distributed()
        for name, module in self.modules.items():
            if any(p.requires_grad for p in module.parameters()):
                self.modules[name] = DistributedDataParallel(
                    module, device_ids=None,
                    find_unused_parameters=self.find_unused_parameters,
                )

    # ------------------------------------------------------------- loaders
    def make_dataloader(self, dataset, stage, ckpt_prefix="dataloader-",
                        **loader_kwargs):
        """SpeechBrain's loaders, with :func:`collate_batch` for a
        :class:`PengiDataset`; the training set is kept to draw each
        epoch's windows, and a training sampler of its own with
        ``set_epoch`` (a ``WeightedEpochSampler`` or a batch sampler
        around one) becomes
        ``train_sampler``, whose ``set_epoch`` ``sb.Brain`` calls every
        epoch (it does so only for samplers it made or wrapped itself)."""
        if isinstance(dataset, PengiDataset):
            loader_kwargs.setdefault("collate_fn", collate_batch)
        if stage == sb.Stage.TRAIN:
            if loader_kwargs.get("persistent_workers"):
                raise ValueError(
                    "persistent_workers=True would keep the first epoch's "
                    "training windows in the workers: leave it off"
                )
            self._train_dataset = dataset
        loader = super().make_dataloader(dataset, stage, ckpt_prefix,
                                         **loader_kwargs)
        if stage == sb.Stage.TRAIN:
            self._train_batches = len(loader)
            sampler = (loader_kwargs.get("sampler")
                       or loader_kwargs.get("batch_sampler"))
            if self.train_sampler is None and hasattr(sampler, "set_epoch"):
                self.train_sampler = sampler
        return loader

    def fit(self, epoch_counter, train_set, valid_set=None, progressbar=None,
            train_loader_kwargs=None, valid_loader_kwargs=None):
        """``sb.Brain.fit`` (see there); a :class:`PengiDataset` gets
        :func:`collate_batch` by default."""
        if isinstance(train_set, DataLoader):
            self._train_dataset = train_set.dataset
            self._train_batches = len(train_set)
        self._has_valid = valid_set is not None
        return super().fit(
            epoch_counter, train_set, valid_set, progressbar,
            train_loader_kwargs=dict(train_loader_kwargs or {}),
            valid_loader_kwargs=dict(valid_loader_kwargs or {}),
        )

    # -------------------------------------------------------------- stages
    def on_fit_start(self):
        """Completes the schedule, then SpeechBrain's start (compile, DDP,
        optimizer, recovery of the latest checkpoint); logs where a
        resumed run continues."""
        self._set_total_steps()
        self._check_metric_tools()
        try:
            super().on_fit_start()
        except RuntimeError as err:
            if "state_dict" not in str(err) or self.checkpointer is None:
                raise
            raise RuntimeError(
                f"the checkpoints in {self.checkpointer.checkpoints_dir} were "
                "written by a different model definition and cannot be "
                "resumed; train into a new --output_folder, or delete that "
                f"folder to start again ({str(err).splitlines()[0]})"
            ) from err
        counter = self._hp("epoch_counter")
        self.resumed_at = {
            "epoch": getattr(counter, "current", None),
            "step": self.step,
            "optimizer_step": self.optimizer_step,
        }
        if self.optimizer_step > 0:
            logger.info(
                "resumed from a checkpoint: %d epoch(s) done, %d batch(es) "
                "into the next, optimizer step %d", self.resumed_at["epoch"],
                self.step, self.optimizer_step)
        scheduler = self._hp("lr_annealing")
        if scheduler is not None and hasattr(scheduler, "n_steps") and (
            scheduler.n_steps != self.optimizer_step
        ):
            logger.warning("the scheduler is at step %d but the optimizer "
                           "at %d", scheduler.n_steps, self.optimizer_step)

    def on_evaluate_start(self, max_key=None, min_key=None):
        """Checks the metric tools, then loads the best checkpoint."""
        self._check_metric_tools()
        super().on_evaluate_start(max_key=max_key, min_key=min_key)

    def _set_total_steps(self):
        scheduler = self._hp("lr_annealing")
        counter = self._hp("epoch_counter")
        if scheduler is None or getattr(scheduler, "total_steps", 0) \
                is not None or self._train_batches is None:
            return
        epochs = getattr(counter, "limit", None)
        if epochs is None:
            raise ValueError("lr_annealing.total_steps is null and there "
                             "is no epoch_counter to derive it from")
        per_epoch = math.ceil(self._train_batches
                              / self.grad_accumulation_factor)
        scheduler.total_steps = per_epoch * int(epochs)
        logger.info("learning-rate schedule: %d steps (%d per epoch)",
                    scheduler.total_steps, per_epoch)

    def _check_metric_tools(self):
        """Fails before training when generation is asked for and the
        caption metrics cannot run (no Java, no pycocoevalcap:
        :func:`pengi_sb.metrics.generation.check_caption_tools`)."""
        if self._tools_checked:
            return
        self._tools_checked = True
        wanted = (self._hp("valid_generate_every", 0)
                  or self._hp("test_generate", False))
        metrics = tuple(self._hp("caption_metrics", ()) or ())
        if wanted and metrics:
            check_caption_tools(metrics,
                                tokenize=self._hp("caption_tokenize", True))

    def _should_generate(self, stage, epoch):
        if stage == sb.Stage.VALID:
            every = int(self._hp("valid_generate_every", 0) or 0)
            return every > 0 and epoch is not None and epoch % every == 0
        if stage == sb.Stage.TEST:
            return bool(self._hp("test_generate", False))
        return False

    def on_stage_start(self, stage, epoch=None):
        """Resets the stage's statistics; selects the epoch's training
        windows."""
        self._reset_stage_records(self._should_generate(stage, epoch))
        self._stage_started[stage] = time.time()
        if stage == sb.Stage.TRAIN and hasattr(self._train_dataset,
                                               "set_epoch"):
            self._train_dataset.set_epoch(epoch)

    def _skipped_count(self, stage):
        count = len(self._skipped)
        if stage == sb.Stage.TRAIN and self.distributed_launch and (
            torch.distributed.is_initialized()
        ):
            total = torch.tensor([count], device=self.device)
            torch.distributed.all_reduce(total)
            count = int(total.item())
        if count:
            shown = "; ".join(f"{s.item_id}: {s.reason}"
                              for s in self._skipped[:3])
            logger.warning("%s: skipped %d item(s) with unreadable audio "
                           "(%s%s)", stage.name.lower(), count, shown,
                           " ..." if len(self._skipped) > 3 else "")
        return count

    def on_stage_end(self, stage, stage_loss, epoch=None):
        """Logs the stage's statistics; checkpoints after validation."""
        stats = {"loss": stage_loss}
        skipped = self._skipped_count(stage)
        if skipped:
            stats["skipped_audio"] = skipped
        if self._token_total:
            stats["token_acc"] = self._token_correct / self._token_total
        if self._contrastive_steps:
            stats["contrastive"] = (self._contrastive_sum
                                    / self._contrastive_steps)
        if self._generating and self.generated:
            stats.update(generation_stats(
                self.generated, self._hp("caption_metrics", ()) or (),
                tokenize=self._hp("caption_tokenize", True)))
            self._write_generations(stage)
        self.stage_stats[stage] = stats
        train_logger = self._hp("train_logger")
        if stage == sb.Stage.TRAIN:
            self.train_stats = stats
            if not self._has_valid:
                self._log_epoch(epoch, train_logger, None)
                self._save_checkpoint(stage_loss)
        elif stage == sb.Stage.VALID:
            self._log_epoch(epoch, train_logger, stats)
            self._save_checkpoint(stage_loss)
        elif train_logger is not None:
            counter = self._hp("epoch_counter")
            train_logger.log_stats(
                stats_meta={"Epoch loaded": getattr(counter, "current",
                                                    None)},
                test_stats=stats,
            )

    def _log_epoch(self, epoch, train_logger, valid_stats):
        seconds = self._time_epoch(epoch)
        if train_logger is None:
            return
        lr = self.optimizer.param_groups[0]["lr"] if hasattr(
            self, "optimizer") else None
        train_logger.log_stats(
            stats_meta={"epoch": epoch, "lr": lr,
                        "optimizer_steps": self.optimizer_step,
                        "seconds": int(round(seconds))},
            train_stats=self.train_stats, valid_stats=valid_stats,
        )

    def _time_epoch(self, epoch):
        """Seconds the epoch took (training + validation); logs them with
        the expected rest of the run, from this run's mean epoch."""
        now = time.time()
        started = self._stage_started.get(sb.Stage.TRAIN, now)
        valid = now - self._stage_started.get(sb.Stage.VALID, now)
        seconds = now - started
        self._epoch_seconds.append(seconds)
        counter = self._hp("epoch_counter")
        left = max(int(getattr(counter, "limit", epoch) or epoch)
                   - int(epoch), 0)
        mean = sum(self._epoch_seconds) / len(self._epoch_seconds)
        logger.info(
            "epoch %s took %.0f s (training %.0f s, validation %.0f s); "
            "%d epoch(s) to go: about %.1f min more, %.1f min of training "
            "in all", epoch, seconds, seconds - valid, valid, left,
            left * mean / 60, (sum(self._epoch_seconds) + left * mean) / 60)
        run_started = self._hp("run_started")
        if run_started:  # a script's start (epoch seconds): its clock too
            logger.info(
                "%.1f min since the run started; training ends at about "
                "%.1f min", (now - float(run_started)) / 60,
                (now - float(run_started) + left * mean) / 60)
        return seconds

    def _save_checkpoint(self, loss):
        if self.checkpointer is None:
            return
        self.checkpointer.save_and_keep_only(
            meta={"loss": loss}, min_keys=["loss"],
            num_to_keep=int(self._hp("keep_checkpoints", 1)),
        )

    def _write_generations(self, stage):
        folder = self._hp("output_folder")
        if folder is None or not if_main_process():
            return
        path = os.path.join(folder, f"generations_{stage.name.lower()}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.generated, f, indent=1, ensure_ascii=False)
        logger.info("generated texts written to %s", path)

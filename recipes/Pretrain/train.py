#!/usr/bin/env python3
"""Recipe: multi-dataset Pengi pretraining.

Trains Pengi on a weighted mixture of the manifests that the dataset
prepare scripts write (``recipes/<Dataset>/<dataset>_prepare.py``), then
evaluates the best checkpoint on the test mixture and writes the trained
model as a pretrained folder, ``<output_folder>/pretrained/``, which
``pengi_sb.inference.Pengi.from_hparams(source=...)`` loads.

To run (after the prepare scripts)::

    python train.py hparams/pretrain_small.yaml \\
        --manifest_folder results/manifests --corpus_folder /data
    torchrun --nproc_per_node=2 train.py hparams/pretrain_small.yaml \\
        --manifest_folder ... --corpus_folder ... --distributed_backend gloo

``hparams/pretrain_base.yaml`` is the paper's setup (release architecture,
GPT-2 and CLIP from their released weights and frozen, AdamW, batch 384
over all processes); ``hparams/pretrain_small.yaml`` a small Pengi from
scratch for a CPU. Any mixture entry, size or training option can be
overridden on the command line.

Authors
 * pengi-sb developers 2026
"""

import os
import sys

import speechbrain as sb
from hyperpyyaml import load_hyperpyyaml
from speechbrain.utils.distributed import if_main_process, run_on_main
from speechbrain.utils.logger import get_logger

from pengi_sb.training.brain import PengiBrain
from pengi_sb.training.warm_start import load_pretrained_weights
from pengi_sb.data.audio import window_mode_from_hparams
from pengi_sb.data.pipeline import (
    ExampleEncoder,
    PengiDataset,
    collate_batch,
    train_tokenizer,
)
from pengi_sb.text.tokenizers import tokenizers_from_hparams
from pengi_sb.training.export import export_pretrained
from pengi_sb.data.mixing import (
    LengthGroupedBatchSampler,
    WeightedEpochSampler,
    load_mixture,
)
from pengi_sb.data.shards import (
    ShardDataset,
    ShardSampler,
    make_shard_loader,
)

logger = get_logger(__name__)


def prepare_tokenizers(hparams, train_items):
    """Trains the SentencePiece model of a from-scratch model (main process
    only, once), then loads the prompt and target tokenizers everywhere."""
    arch = hparams["arch"]
    if arch["decoder_tokenizer"] == "sentencepiece":
        texts = [item[key] for item in train_items.values()
                 for key in ("target", "prompt")]
        model_file = run_on_main(train_tokenizer, kwargs={
            "texts": texts,
            "model_dir": os.path.dirname(hparams["tokenizer_file"]),
            "vocab_size": arch["gpt2_config"]["vocab_size"],
        })
        if os.path.abspath(model_file) != os.path.abspath(
            hparams["tokenizer_file"]
        ):
            raise ValueError("tokenizer_file must be <folder>/tokenizer.model")
    prompt_tokenizer, target_tokenizer = tokenizers_from_hparams(arch)
    vocab = arch["model"].prefix_lm.vocab_size
    if target_tokenizer.vocab_size > vocab:
        raise ValueError(
            f"the target tokenizer has {target_tokenizer.vocab_size} tokens "
            f"but the language model's vocabulary only {vocab}"
        )
    return prompt_tokenizer, target_tokenizer


def dataio_prepare(hparams, prompt_tokenizer, target_tokenizer, mixtures):
    """Builds the train / valid / test datasets from their mixtures."""
    arch = hparams["arch"]
    common = {
        "prompt_tokenizer": prompt_tokenizer,
        "target_tokenizer": target_tokenizer,
        "sample_rate": arch["sample_rate"],
        "clip_seconds": arch["clip_seconds"],
        "prompt_max_length": arch["prompt_max_length"],
        "max_target_tokens": hparams["max_target_tokens"],
        "window_mode": window_mode_from_hparams(hparams),
        "seed": hparams["seed"],
    }
    datasets = {}
    for split, (items, _) in mixtures.items():
        if items is not None:
            # PengiDataset applies `augment` to the training split only
            datasets[split] = PengiDataset(
                items, train=split == "train", name=f"{split} mixture",
                augment=hparams.get("augment"), **common)
    return datasets


def train_data(hparams, dataset, weights, brain):
    """The training data: the manifest mixture through a weighted sampler,
    or, with ``train_shards`` set, WebDataset shards (``python -m
    pengi_sb.data.shards write ...``, a folder or an index URL) read by
    index in an epoch order split exactly between processes; the loader
    and the sampler are checkpointed, so a run resumes mid-epoch.
    """
    shards = hparams.get("train_shards")
    if shards and hparams.get("augment") is not None:
        raise ValueError(
            f"augment ({hparams['augment']}) works on manifest items (it "
            "re-renders their targets), not on train_shards: set one of "
            "them to null")
    if not shards:
        sampler = WeightedEpochSampler(
            weights, epoch_size=hparams["epoch_size"] or len(weights),
            seed=hparams["seed"],
            replacement=hparams.get("sample_with_replacement", True))
        opts = dict(hparams["train_dataloader_opts"])
        if hparams.get("batch_by_length", False):
            # batches of similar target length: less padding in the LM
            lengths = [len(dataset.encode_target(dataset.data[i]["target"]))
                       for i in dataset.data_ids]
            opts["batch_sampler"] = LengthGroupedBatchSampler(
                sampler, lengths, opts.pop("batch_size"),
                seed=hparams["seed"])
        else:
            opts["sampler"] = sampler
        hparams["train_dataloader_opts"] = opts
        return dataset
    arch = hparams["arch"]
    encoder = ExampleEncoder(dataset.encoder.prompt_tokenizer,
                             dataset.encoder.target_tokenizer,
                             arch["prompt_max_length"],
                             hparams["max_target_tokens"])
    shard_set = ShardDataset(shards, transform=encoder,
                             url_template=hparams.get("shard_url_template"),
                             cache_dir=hparams.get("shard_cache_dir"))
    window = int(round(arch["clip_seconds"] * arch["sample_rate"]))
    if (shard_set.sample_rate, shard_set.window) != (arch["sample_rate"],
                                                     window):
        raise ValueError(
            f"shards {shards} hold {shard_set.window}-sample windows at "
            f"{shard_set.sample_rate} Hz, the model takes {window} at "
            f"{arch['sample_rate']} Hz: write them with --sample_rate "
            f"{arch['sample_rate']} --window_seconds {arch['clip_seconds']}")
    sampler = ShardSampler(shard_set.index, epoch_size=hparams["epoch_size"],
                           seed=hparams["seed"],
                           block_size=hparams.get("shard_block_size", 32))
    loader = make_shard_loader(shard_set, sampler, collate_fn=collate_batch,
                               **hparams["train_dataloader_opts"])
    hparams["checkpointer"].add_recoverable("train_loader", loader)
    hparams["checkpointer"].add_recoverable("train_sampler", sampler)
    brain.train_sampler = sampler  # sb.Brain calls its set_epoch
    return loader


def main(argv=None):
    """Runs the recipe; returns the trained :class:`PengiBrain`."""
    argv = sys.argv[1:] if argv is None else argv
    hparams_file, run_opts, overrides = sb.parse_arguments(argv)
    sb.utils.distributed.ddp_init_group(run_opts)
    with open(hparams_file, encoding="utf-8") as fin:
        hparams = load_hyperpyyaml(fin, overrides)
    sb.create_experiment_directory(
        experiment_directory=hparams["output_folder"],
        hyperparams_to_save=hparams_file,
        overrides=overrides,
    )

    mixtures = {"train": load_mixture(hparams["train_mixture"])}
    for split in ("valid", "test"):
        spec = hparams.get(f"{split}_mixture")
        mixtures[split] = load_mixture(spec) if spec else (None, None)
    prompt_tokenizer, target_tokenizer = prepare_tokenizers(
        hparams, mixtures["train"][0])
    datasets = dataio_prepare(hparams, prompt_tokenizer, target_tokenizer,
                              mixtures)

    warm_start = {"model": hparams["arch"]["model"],
                  "lm_source": hparams.get("lm_init_source"),
                  "prompt_encoder_source":
                      hparams.get("prompt_encoder_init_source")}
    if warm_start["lm_source"] or warm_start["prompt_encoder_source"]:
        # main downloads (and loads) first, then the other processes load
        run_on_main(load_pretrained_weights, kwargs=warm_start,
                    post_func=load_pretrained_weights, post_kwargs=warm_start)

    brain = PengiBrain(
        modules=hparams["modules"],
        opt_class=hparams["opt_class"],
        hparams=hparams,
        run_opts=run_opts,
        checkpointer=hparams["checkpointer"],
        tokenizer=target_tokenizer,
    )
    brain.fit(
        hparams["epoch_counter"],
        train_data(hparams, datasets["train"], mixtures["train"][1], brain),
        datasets.get("valid"),
        train_loader_kwargs=hparams["train_dataloader_opts"],
        valid_loader_kwargs=hparams["valid_dataloader_opts"],
    )
    if "test" in datasets:
        brain.evaluate(datasets["test"], min_key="loss",
                       test_loader_kwargs=hparams["valid_dataloader_opts"])
    if if_main_process():
        export_pretrained(
            hparams["pretrained_folder"], hparams_file,
            hparams["arch"]["modules"], overrides=overrides,
            tokenizer_file=hparams.get("tokenizer_file")
            if hparams["arch"]["decoder_tokenizer"] == "sentencepiece"
            else None,
        )
    sb.utils.distributed.ddp_barrier()
    return brain


if __name__ == "__main__":
    main()

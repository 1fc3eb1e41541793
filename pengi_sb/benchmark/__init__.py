"""The paper's benchmarks: task configs, scoring, data protocols (splits,
folds), reports and the linear probe.

==============  ============================================================
module          responsibility
==============  ============================================================
config          how one benchmark is scored (``TaskConfig``)
batches         manifest items' audio in padded batches, unreadable skipped
scoring         a split scored with a loaded Pengi (``evaluate_items``)
report          ``results.json``, ``results.md``, ``predictions.json``
protocols       which prepared splits train, select and test (``Run``)
recipe          recipe plumbing: hparams, prepare step, labels, splits, model
recipe_yaml     a recipe yaml with its shared ``!include:`` d keys
linear_probe    logistic regression on frozen audio embeddings
zeroshot        the zero-shot evaluation recipe's loop
finetune        the fine-tuning recipe's loop
probe_recipe    the linear-probe recipe's loop
==============  ============================================================
"""

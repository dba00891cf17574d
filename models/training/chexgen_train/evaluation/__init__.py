"""Model evaluation suite (GitHub issue 7): reference networks trained on the train split, image metrics with their
real-data references, figures and models/<name>/evaluation.json. Entry point: `python -m chexgen_train.evaluation`."""

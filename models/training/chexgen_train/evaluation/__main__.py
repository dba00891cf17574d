"""python -m chexgen_train.evaluation {plan,evaluate} ... (called by `npm run model:eval`; run with cwd models/training).

  plan        writes <cache>/plan.json: the images to generate and their conditions (plan.py)
  nets        trains (or loads) the reference networks only
  evaluate    trains or loads the reference networks and computes every metric on <cache>/generated
  sweep-plan  writes <cache>/plan.json for the guidance sweep on the train carve-out (<cache> = the sweep's folder)
  sweep       scores the sweep's settings (sweep.py) and writes models/MODEL/guidance_sweep.json
  compare     prints a markdown table comparing --models from their evaluation.json (+ --figure: spectra chart)
"""
import argparse
import os
import sys

from ..train import DEFAULT_DATA, ROOT


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m chexgen_train.evaluation", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["plan", "nets", "evaluate", "sweep-plan", "sweep", "compare"])
    ap.add_argument("--model", help="model folder name under models/ (every command but compare)")
    ap.add_argument("--models", nargs="+", help="compare: model folder names")
    ap.add_argument("--figure", default=None, help="compare: write the spectra chart here")
    ap.add_argument("--samples", default=None, help="compare: write a side-by-side sheet of the same plan images here")
    ap.add_argument("--data", default=DEFAULT_DATA, help="dataset folder with manifest.csv (default: %(default)s)")
    ap.add_argument("--cache", default=None, help="cache folder (default: models/training/.cache/eval/MODEL)")
    ap.add_argument("--nets", default=None, help="reference network cache (default: models/training/.cache/eval/nets)")
    ap.add_argument("--count", type=int, default=400, help="images conditioned on the eval split")
    ap.add_argument("--train-copy-count", type=int, default=100,
                    help="images generated from train records' own conditions (memorisation probe)")
    ap.add_argument("--out", default=None, help="evaluation.json path (default: models/MODEL/evaluation.json)")
    ap.add_argument("--figures", default=None, help="figure folder (default: docs/images)")
    ap.add_argument("--quick", action="store_true", help="tiny smoke run: few images, reference nets trained seconds")
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args(argv)
    if args.command == "compare":
        if not args.models:
            ap.error("compare needs --models")
        return args
    if not args.model:
        ap.error(f"{args.command} needs --model")
    cache_root = os.path.join(ROOT, "models", "training", ".cache", "eval")
    args.cache = args.cache or os.path.join(cache_root, args.model + ("-quick" if args.quick else ""))
    args.nets = args.nets or os.path.join(cache_root, "nets-quick" if args.quick else "nets")
    args.out = args.out or os.path.join(ROOT, "models", args.model, "evaluation.json")
    args.figures = args.figures or os.path.join(ROOT, "docs", "images")
    return args


def main(args: argparse.Namespace) -> None:
    if args.command == "compare":
        from .compare import compare

        compare(args.models, args.figure, args.samples, args.data)
        return
    if args.command in ("plan", "sweep-plan"):
        from .plan import write_plan, write_sweep_plan

        os.makedirs(args.cache, exist_ok=True)
        path = (write_plan(args.data, args.cache, args.count, args.train_copy_count, args.quick)
                if args.command == "plan" else write_sweep_plan(args.data, args.cache, args.quick))
        print(path, flush=True)
        return
    if args.command == "sweep":
        from .sweep import score_sweep

        score_sweep(args)
        return
    from .evaluate import evaluate, train_nets

    (train_nets if args.command == "nets" else evaluate)(args)


if __name__ == "__main__":
    main(parse_args(sys.argv[1:]))

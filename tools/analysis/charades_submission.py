"""Write the official Charades classification submission file.

Turns the predictions dumped by ``tools/test.py CONFIG CKPT --dump preds.pkl``
into ``<video_id> <score_0> ... <score_C-1>`` lines, one per test video, the
input of the official ``Charades_v1_classify.m``. Example::

    python tools/analysis/charades_submission.py preds.pkl --out submission.txt
    python tools/analysis/charades_submission.py preds21.pkl \\
        --out submission21.txt --num-classes 21 --export-json preds21.json

``--localize`` writes the official localisation file instead (``<video_id>
<frame> <scores>``, frames 1 .. 25, from predictions of the
``charades_localize`` protocol, whose ``pred_score`` is (25, C)). ``--score
CSV`` then reads the written file back and prints its official mAP and WAP
against that annotation file (``Charades_v1_classify.m``'s, or with
``--localize`` ``Charades_v1_localize.m``'s; 157 classes, or the 21 groups
for ``--num-classes 21``)::

    python tools/analysis/charades_submission.py preds.pkl \
        --out submission.txt --score data/charades/Charades_v1_test.csv
    python tools/analysis/charades_submission.py loc.json --localize \
        --out localize.txt --score data/charades/Charades_v1_test.csv

The pickle is read with a restricted unpickler (see
``mmaction_charades.utils.submission``); ``--export-json`` writes a
pickle-free copy of the predictions for sharing, which this tool also reads.
"""
import argparse
import sys

from mmaction_charades.engine.checkpoint import CheckpointError
from mmaction_charades.datasets.transforms.samplers import \
    NUM_LOCALIZATION_POINTS
from mmaction_charades.utils.submission import (
    NUM_CHARADES_CLASSES, load_predictions, predictions_to_scores,
    read_annotation_ids, save_predictions, score_localization,
    score_submission, write_localization_submission, write_submission)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'preds', help='pickle written by tools/test.py --dump, or the JSON '
        'of --export-json')
    parser.add_argument('--export-json',
                        help='also write the predictions as pickle-free JSON')
    parser.add_argument('--out', required=True, help='submission text file')
    parser.add_argument(
        '--ann-file',
        help='Charades CSV of the test set (e.g. Charades_v1_test.csv), '
        'whose row order names samples without `video_id` or `filename`')
    parser.add_argument(
        '--num-classes', type=int, default=NUM_CHARADES_CLASSES,
        help='scores per video: 157 (official classes) or 21 (groups)')
    parser.add_argument(
        '--localize', action='store_true',
        help='write the localisation file (id frame scores, frames 1..25)')
    parser.add_argument(
        '--score', metavar='CSV',
        help='read the written file back and print its official mAP and '
        'WAP against this annotation file')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        row_ids = (read_annotation_ids(args.ann_file)
                   if args.ann_file else None)
        predictions = load_predictions(args.preds)
        scores = predictions_to_scores(
            predictions, args.num_classes, row_ids,
            NUM_LOCALIZATION_POINTS if args.localize else None)
        if args.localize:
            write_localization_submission(args.out, scores)
        else:
            write_submission(args.out, scores)
        if args.export_json:
            save_predictions(args.export_json, predictions)
        print(f'wrote {len(scores)} videos x {args.num_classes} scores'
              f'{" x 25 frames" if args.localize else ""} to {args.out}')
        if args.score and args.localize:
            metrics = score_localization(args.out, args.score)
            if metrics['missing']:
                print(f"warning: {len(metrics['missing'])} frames of "
                      f'{args.score} have no scores (scored -inf)')
            print(f"localisation mAP: {metrics['mAP']:.4f}  "
                  f"WAP: {metrics['WAP']:.4f}")
        elif args.score:
            metrics = score_submission(args.out, args.score)
            if metrics['missing']:
                print(f"warning: {len(metrics['missing'])} videos of "
                      f'{args.score} have no scores (scored -inf)')
            print(f"mAP: {metrics['mAP']:.4f}\nWAP: {metrics['WAP']:.4f}")
    except (OSError, ValueError, CheckpointError) as exc:
        print(f'charades_submission: error: {exc}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())

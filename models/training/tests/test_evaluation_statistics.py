"""The evaluation's statistics and paired reports on inputs with known answers (no shared data needed)."""
import numpy as np

from chexgen_train.data import Record
from chexgen_train.evaluation.box_hits import box_test, same_source_normals
from chexgen_train.evaluation.carve_out import carve_out_ids, source_of
from chexgen_train.evaluation.deform import deform_planes
from chexgen_train.evaluation.memorization import source_copy_report
from chexgen_train.evaluation.paired import paired_report
from chexgen_train.evaluation.stats import holm, paired_effect, sign_test_p, wilson
from chexgen_train.evaluation.sweep import choose


def test_when_a_proportion_is_half_of_100_then_the_wilson_interval_is_the_textbook_one():
    lo, hi = wilson(50, 100)
    assert abs(lo - 0.4038) < 1e-3 and abs(hi - 0.5962) < 1e-3
    assert wilson(0, 10)[0] == 0.0 and abs(wilson(10, 10)[1] - 1.0) < 1e-12
    assert abs(wilson(10, 10)[0] - 0.7225) < 1e-3  # all successes: the interval still admits failures


def test_when_p_values_are_holm_adjusted_then_they_step_down_and_stay_monotone():
    adj = holm({"a": 0.01, "b": 0.04, "c": 0.03, "d": float("nan")})
    assert abs(adj["a"] - 0.03) < 1e-12 and abs(adj["c"] - 0.06) < 1e-12 and abs(adj["b"] - 0.06) < 1e-12
    assert np.isnan(adj["d"])


def test_when_every_pair_moves_up_then_the_paired_tests_reject_and_when_none_do_they_do_not():
    up = paired_effect(np.linspace(0.01, 0.3, 30))
    assert up["wilcoxon_p"] < 1e-5 and up["positive_share"] == 1.0 and up["ci"][0] > 0
    assert sign_test_p(np.ones(10)) < 0.002
    noise = paired_effect(np.random.default_rng(0).normal(0, 1, 30))
    assert noise["wilcoxon_p"] > 0.05 and noise["ci"][0] < 0 < noise["ci"][1]


def _paired_entries(pairs: int):
    entries = []
    for j in range(pairs):
        sex = "F" if j % 2 else "M"
        for arm, s in (("normal", sex), ("cardiomegaly", sex), ("nodule", sex), ("other_sex", "M" if sex == "F" else "F")):
            entries.append({"pair": j, "arm": arm, "sex": s})
    return entries


def test_when_a_finding_prompt_raises_its_score_then_the_paired_effect_shows_it_and_a_dead_one_does_not():
    from chexgen_train.data import FINDINGS

    entries = _paired_entries(30)
    rng = np.random.default_rng(1)
    findings = rng.uniform(0.2, 0.4, (len(entries), len(FINDINGS)))
    sex = np.zeros(len(entries))
    for i, e in enumerate(entries):
        if e["arm"] == "cardiomegaly":
            findings[i, FINDINGS.index("cardiomegaly")] += 0.3  # the words work
        sex[i] = 0.8 if e["sex"] == "F" else 0.2  # the sex follows the prompt
    out = paired_report(entries, {"findings": findings, "sex": sex})
    cardio, nodule = out["paired_text_effects"]["cardiomegaly"], out["paired_text_effects"]["nodule"]
    assert cardio["value"] > 0.2 and cardio["holm_p"] < 0.001
    assert nodule["holm_p"] > 0.05
    assert out["paired_sex_effect"]["value"] > 0.5 and out["paired_sex_effect"]["both_arms_called_as_requested"] == 1.0
    assert out["paired_pairs"] == 30


def test_when_boxes_raise_the_score_only_when_large_then_the_size_breakdown_says_so():
    boxes = [(0, 0, 10, 10)] * 12 + [(0, 0, 40, 40)] * 12
    without = np.full(24, 0.2)
    with_box = without + np.r_[np.zeros(12), np.full(12, 0.5)]
    out = box_test(with_box, without, boxes, np.array([0.9, 0.8]), np.array([0.1, 0.2]))
    assert out["by_size"]["large >=30 px"]["sign_test_p"] < 0.001
    assert np.isnan(out["by_size"]["small <15 px"]["sign_test_p"])  # no change at all: nothing to test
    assert out["hit_rate_with_box"]["value"] == 0.5 and out["hit_rate_without_box"]["value"] == 0.0
    assert abs(out["real_reference"]["mean_score_difference"] - 0.7) < 1e-9


def _record(rid: str, patient: str = "", findings=("normal",)) -> Record:
    return Record(id=rid, file="", split="train", sex=None, age=None, view=None, findings=list(findings),
                  report_text="", report_source="", mask_file=None, mask_bits={}, patient_id=patient)


def test_when_negatives_are_drawn_then_they_come_from_the_positive_s_own_source():
    records = [_record("jsrt_a", findings=["nodule"]), _record("jsrt_n1"), _record("jsrt_n2"), _record("nih_n")]
    picks = same_source_normals(records, [0] * 20, np.random.default_rng(0))
    assert set(picks) <= {1, 2}


def test_when_the_carve_out_is_drawn_then_it_matches_eval_per_source_with_whole_patients():
    trains = [_record(f"nih_{i}", f"p{i // 2}") for i in range(40)] + [_record(f"jsrt_{i}", f"j{i}") for i in range(10)]
    evals = [_record(f"nih_e{i}") for i in range(6)] + [_record(f"jsrt_e{i}") for i in range(3)]
    held = carve_out_ids(trains, evals)
    by_source = {s: sum(source_of(h) == s for h in held) for s in ("nih", "jsrt")}
    assert by_source == {"nih": 6, "jsrt": 3}
    patients = {r.patient_id for r in trains if r.id in held}
    assert all(r.id in held for r in trains if r.patient_id in patients)  # never half a patient
    assert carve_out_ids(trains, evals) == held  # seeded


def test_when_masks_are_deformed_then_they_stay_binary_move_together_and_repeat_with_the_seed():
    planes = np.zeros((3, 64, 64), np.uint8)
    planes[0, 10:50, 8:28] = 1
    planes[1, 10:50, 36:56] = 1
    planes[2, 30:50, 24:40] = 1
    a = deform_planes(planes, np.random.default_rng(3))
    assert a.shape == planes.shape and set(np.unique(a)) <= {0, 1}
    assert (a != planes).any() and np.array_equal(a, deform_planes(planes, np.random.default_rng(3)))
    assert all(0.6 < a[k].sum() / planes[k].sum() < 1.5 for k in range(3))


def test_when_a_train_copy_is_generated_then_the_source_check_flags_it():
    rng = np.random.default_rng(4)
    train = rng.random((10, 64, 64)).astype(np.float32)
    generated = np.stack([train[3], rng.random((64, 64)).astype(np.float32)])
    out = source_copy_report(generated, np.array([3, 5]), train, threshold=0.8)
    assert out["nearest_is_source"]["value"] == 0.5 and out["above_threshold"]["value"] == 0.5
    assert out["ssim_to_source_max"] > 0.999


def test_when_the_sweep_is_scored_then_the_least_detected_setting_that_keeps_conditioning_wins():
    def row(t, s, detected, dice, sex):
        return {"text": t, "spatial": s, "detected": {"value": detected, "ci": [detected - 0.1, detected + 0.1]},
                "spectral_log2_error": 1.0, "mask_dice": dice, "sex_accuracy": {"value": sex}}

    rows = [row(2.5, 2.5, 0.8, 0.90, 0.80), row(1.5, 1.5, 0.6, 0.80, 0.80),  # most realistic, but loses the masks
            row(1.5, 2.5, 0.7, 0.89, 0.78), row(4.0, 4.0, 0.9, 0.91, 0.85)]
    chosen = choose(rows)
    assert (chosen["text"], chosen["spatial"]) == (1.5, 2.5)
    assert (1.5, 1.5) not in chosen["qualifying"] and (2.5, 2.5) in chosen["not_distinguishable_from_winner"]


def test_collapse_summary_counts_unlearned_runs_and_drops_their_seeds_from_the_primary():
    from chexgen_train.evaluation.downstream import collapse_summary
    per_seed = {"augmented": {"10": [0.93, 0.63, 0.94, 0.92], "5": [0.62, 0.9, 0.9, 0.9]},
                "synthetic": {"10": [0.94, 0.95, 0.62, 0.93], "5": [0.9, 0.9, 0.9, 0.9]}}
    s = collapse_summary(per_seed)
    assert s["collapsed_runs"]["by_arm"]["augmented"] == {"10": 1, "5": 1}
    assert s["collapsed_runs"]["total"] == {"augmented": 2, "synthetic": 1}
    assert s["collapsed_runs"]["runs_per_arm"] == 8
    kept = s["primary_without_collapsed"]
    assert kept["seeds_kept"] == 2  # seeds 1 and 2 had a collapsed arm
    assert abs(kept["value"] - ((0.94 - 0.93) + (0.93 - 0.92)) / 2) < 1e-9

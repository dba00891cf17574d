"""Evaluation metric functions on tiny synthetic inputs with known answers (no shared data needed)."""
import numpy as np
import torch

from chexgen_train.evaluation.fid import fid, frechet_distance
from chexgen_train.evaluation.memorization import memorization_report, nearest_neighbours
from chexgen_train.evaluation.msssim import ms_ssim, ssim
from chexgen_train.evaluation.prdc import precision_recall
from chexgen_train.evaluation.scores import auroc, dice


def test_when_both_sets_are_identical_then_fid_is_zero():
    x = np.random.default_rng(0).normal(size=(400, 8))
    assert abs(fid(x, x)) < 1e-8


def test_when_gaussians_differ_then_frechet_distance_matches_the_closed_form():
    # N(m1, a^2 I) vs N(m2, b^2 I) in d dims: |m1 - m2|^2 + d (a - b)^2
    d = 6
    m1, m2 = np.zeros(d), np.full(d, 0.5)
    got = frechet_distance(m1, 4.0 * np.eye(d), m2, 1.0 * np.eye(d))
    assert abs(got - (d * 0.25 + d * (2.0 - 1.0) ** 2)) < 1e-9
    # non-commuting covariances: the 1-d case generalises through eigenvalues; check symmetry and a 2-d closed form
    s1 = np.array([[2.0, 0.5], [0.5, 1.0]])
    s2 = np.array([[1.0, -0.3], [-0.3, 3.0]])
    a = frechet_distance(np.zeros(2), s1, np.ones(2), s2)
    b = frechet_distance(np.ones(2), s2, np.zeros(2), s1)
    # tr((s1 s2)^1/2) for 2x2: sqrt(tr(M) + 2 sqrt(det(M))) with M = s1 s2
    m = s1 @ s2
    expected = 2 + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.trace(m) + 2 * np.sqrt(np.linalg.det(m)))
    assert abs(a - expected) < 1e-9 and abs(a - b) < 1e-9


def test_when_samples_are_shifted_gaussians_then_fid_estimates_the_shift():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(20000, 3)), rng.normal(size=(20000, 3)) + 2.0
    assert abs(fid(x, y) - 12.0) < 0.2


def test_when_an_image_is_compared_with_itself_then_ssim_and_ms_ssim_are_one():
    img = torch.rand(2, 256, 256)
    assert torch.allclose(ssim(img, img), torch.ones(2), atol=1e-5)
    assert torch.allclose(ms_ssim(img, img), torch.ones(2), atol=1e-5)


def test_when_images_are_unrelated_noise_then_ms_ssim_is_low_and_below_a_blurred_copy():
    g = torch.Generator().manual_seed(0)
    a, b = torch.rand(1, 256, 256, generator=g), torch.rand(1, 256, 256, generator=g)
    blurred = torch.nn.functional.avg_pool2d(a[None], 3, 1, 1)[0]
    assert ms_ssim(a, b).item() < 0.1
    assert ms_ssim(a, b).item() < ms_ssim(a, blurred).item() < 1.0


def test_when_masks_overlap_partly_then_dice_is_twice_the_overlap_over_the_sizes():
    a = np.zeros((10, 10), bool)
    b = np.zeros((10, 10), bool)
    a[:, :5] = True  # 50 px
    b[:, 3:8] = True  # 50 px, 20 shared
    assert abs(dice(a, b) - 0.4) < 1e-6
    assert dice(a, a) > 0.999999 and dice(np.zeros(4), np.zeros(4)) == 1.0 and dice(a, ~a) == 0.0


def test_when_scores_separate_or_tie_then_auroc_is_one_or_a_half():
    assert auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == 1.0
    assert auroc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]) == 0.0
    assert auroc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]) == 0.5
    assert auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75


def test_when_fakes_cover_half_the_real_manifold_then_recall_is_about_a_half_and_precision_one():
    rng = np.random.default_rng(2)
    real = np.concatenate([rng.normal(size=(300, 2)), rng.normal(size=(300, 2)) + 20])  # two clusters
    fake = rng.normal(size=(300, 2))  # only the first cluster
    pr = precision_recall(real, fake, k=3)
    assert pr["precision"] > 0.95
    assert 0.45 < pr["recall"] < 0.55
    far = rng.normal(size=(300, 2)) + 100  # nowhere near the real data
    assert precision_recall(real, far, k=3) == {"precision": 0.0, "recall": 0.0}


def test_when_a_generated_image_copies_a_training_image_then_memorization_flags_it():
    rng = np.random.default_rng(3)
    train = rng.random((12, 64, 64)).astype(np.float32)
    novel = rng.random((3, 64, 64)).astype(np.float32)
    generated = np.concatenate([novel, train[7:8]])  # the last one is an exact copy
    nn = nearest_neighbours(generated, train)
    assert nn["index"][-1] == 7 and abs(nn["ssim"][-1] - 1.0) < 1e-5
    real_eval_nn = nearest_neighbours(rng.random((20, 64, 64)).astype(np.float32), train)["ssim"]
    report = memorization_report(nn["ssim"], real_eval_nn)
    assert report["memorization_max_ssim"] > 0.9999
    assert report["memorization_fraction_above_threshold"] == 0.25  # only the copy

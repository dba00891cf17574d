"""The realism metrics must be able to fail: on small procedural fixtures (no shared data), two samples of one image
process look alike to them and a blurred sample does not."""
import numpy as np
import torch
import torch.nn.functional as F

from chexgen_train.evaluation.c2st import c2st, fold_of
from chexgen_train.evaluation.feature_sensitivity import feature_space_sensitivity, gaussian_blur
from chexgen_train.evaluation.spectrum import BANDS, band_powers, log_error, spectral_ratio


def textured(n: int, seed: int, size: int = 64) -> np.ndarray:
    """Radiograph-like fixtures: a smooth random field (anatomy), oriented stripes (ribs) and fine grain (noise)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.meshgrid(np.linspace(0, 1, size), np.linspace(0, 1, size), indexing="ij")
    out = np.empty((n, size, size), np.float32)
    for i in range(n):
        coarse = torch.as_tensor(rng.normal(size=(1, 1, 6, 6)), dtype=torch.float32)
        field = F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=True)[0, 0].numpy()
        angle, freq = rng.uniform(-0.4, 0.4), rng.uniform(6, 12)
        stripes = np.sin(2 * np.pi * freq * (yy * np.cos(angle) + xx * np.sin(angle)) + rng.uniform(0, 6.3))
        out[i] = np.clip(0.5 + 0.08 * field + 0.1 * stripes + rng.normal(0, 0.06, (size, size)), 0, 1)
    return out


def quiet(_):
    pass


def test_when_both_sets_come_from_one_process_then_c2st_is_at_chance():
    out = c2st(textured(96, 1), textured(96, 2), steps=150, log=quiet)
    assert abs(out["acc"]["value"] - 0.5) <= 0.1
    assert out["acc"]["ci"][0] < 0.5 < out["acc"]["ci"][1]
    assert out["acc"]["n"] == 192 and len(out["fold_acc"]) == 5


def test_when_one_set_is_blurred_then_c2st_tells_them_apart():
    out = c2st(textured(96, 1), gaussian_blur(textured(96, 3), 1.0), steps=150, log=quiet)
    assert out["acc"]["value"] > 0.8
    assert out["acc"]["ci"][0] > 0.6


def test_when_groups_are_given_then_a_group_never_spans_two_folds():
    groups = [f"g{i // 3}" for i in range(30)]
    fold = fold_of(groups, 5, 0)
    for g in set(groups):
        assert len({fold[i] for i, x in enumerate(groups) if x == g}) == 1
    assert set(fold) == {0, 1, 2, 3, 4}


def test_when_a_sine_is_measured_then_its_power_lands_in_its_band():
    yy, xx = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    waves = np.stack([0.5 + 0.4 * np.sin(2 * np.pi * f * xx / 256) for f in (5, 12, 24, 48, 96)])
    p = band_powers(waves)
    assert list(p.argmax(1)) == [0, 1, 2, 3, 4]  # 5 -> 2-8, 12 -> 8-16, 24 -> 16-32, 48 -> 32-64, 96 -> 64-128


def test_when_images_are_blurred_then_high_bands_lose_power_and_a_resample_keeps_it():
    real = textured(48, 5, size=256)
    same = spectral_ratio(textured(48, 6, size=256), real, reps=200)
    assert all(0.7 < v["value"] < 1.3 and v["ci"][0] < 1 < v["ci"][1] for v in same.values())
    soft = spectral_ratio(gaussian_blur(textured(48, 7, size=256), 2.0), real, reps=200)
    assert soft["64-128"]["value"] < 0.1 and soft["64-128"]["ci"][1] < 0.5
    assert soft["2-8"]["value"] > 0.7  # the large structures stay
    assert log_error(soft) > log_error(same) + 1
    assert len(soft) == len(BANDS)


def test_when_the_features_see_texture_then_blurred_real_images_score_clearly_worse_than_the_floor():
    def spectral_features(images):
        return np.log(band_powers(images) + 1e-12)

    evals, floor = textured(120, 11, size=128), textured(120, 12, size=128)
    out = feature_space_sensitivity(spectral_features, spectral_features(evals), floor,
                                    {"blur_sigma1": gaussian_blur(floor, 1.0), "blur_sigma2": gaussian_blur(floor, 2.0)},
                                    reps=100)
    assert out["fit_to_gate"] and "can see" in out["verdict"]
    assert out["degraded"]["blur_sigma2"]["value"] > out["degraded"]["blur_sigma1"]["value"] > out["floor"]["ci"][1]


def test_when_the_features_are_blind_to_blur_then_the_verdict_says_fid_may_not_gate():
    def coarse_means(images):  # 4 x 4 block means: blur leaves them as they are
        x = torch.as_tensor(images)[:, None]
        return F.adaptive_avg_pool2d(x, 4).flatten(1).numpy().astype(np.float64)

    evals, floor = textured(120, 11, size=128), textured(120, 12, size=128)
    out = feature_space_sensitivity(coarse_means, coarse_means(evals), floor,
                                    {"blur_sigma2": gaussian_blur(floor, 2.0)}, reps=100)
    assert not out["fit_to_gate"]
    assert out["verdict"].startswith("fid is NOT fit to gate a release") and "blur_sigma2" in out["verdict"]

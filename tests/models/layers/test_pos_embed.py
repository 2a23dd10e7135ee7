import math

import pytest
import torch

from mmaction_charades.models.layers import sincos_embed_1d, sincos_embed_nd


def _hand_1d(p, num_freqs, tau=10000.):
    freqs = [tau**(-j / num_freqs) for j in range(num_freqs)]
    return [math.sin(p * f) for f in freqs] + [math.cos(p * f) for f in freqs]


def test_sincos_1d_values_by_hand():
    out = sincos_embed_1d(torch.tensor([0., 7.5, 223.]), 4)
    for row, p in zip(out, [0., 7.5, 223.]):
        assert row.tolist() == pytest.approx(_hand_1d(p, 4), abs=1e-12)


def test_sincos_nd_one_third_per_axis_and_zero_remainder():
    coords = torch.tensor([[3.5, 19.5, 200.], [0., 0., 0.]])
    out = sincos_embed_nd(coords, 1024)  # 1024 // 6 = 170 freqs per axis
    assert out.shape == (2, 1024) and out.dtype == torch.float32
    F = 170
    for row, (t, h, w) in zip(out, coords.tolist()):
        expected = _hand_1d(t, F) + _hand_1d(h, F) + _hand_1d(w, F)
        assert row[:6 * F].tolist() == pytest.approx(expected, abs=1e-6)
        assert row[6 * F:].abs().sum() == 0


@pytest.mark.parametrize('dims', [1024, 1280])
def test_sincos_nd_finite_and_unit_scaled_at_large_widths(dims):
    coords = torch.rand(500, 3) * torch.tensor([32., 224., 224.])
    out = sincos_embed_nd(coords, dims)
    assert torch.isfinite(out).all()
    assert out.abs().max() <= 1
    # sin^2 + cos^2 = 1 per frequency: squared norm is 3 * (dims // 6).
    torch.testing.assert_close(
        out.pow(2).sum(1), torch.full((500, ), 3. * (dims // 6)))


def test_sincos_nd_rejects_tiny_width():
    with pytest.raises(ValueError, match='too small'):
        sincos_embed_nd(torch.zeros(1, 3), 4)

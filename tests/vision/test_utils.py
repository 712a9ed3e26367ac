"""make_grid, save_image and draw_bounding_boxes."""

import numpy as np
import pytest
from PIL import Image

import torcia
from torcia.vision.utils import draw_bounding_boxes, make_grid, save_image


def test_make_grid_layout():
    batch = torcia.arange(5 * 1 * 2 * 3, dtype=torcia.float32).reshape(5, 1, 2, 3)
    grid = make_grid(batch, nrow=3, padding=1, pad_value=-1.0)
    assert grid.shape == (3, 1 + 2 * 3, 1 + 3 * 4)  # 2 rows of 3, grayscale made RGB
    g = grid.numpy()
    np.testing.assert_array_equal(g[0, 1:3, 1:4], batch.numpy()[0, 0])
    np.testing.assert_array_equal(g[2, 4:6, 5:8], batch.numpy()[4, 0])
    assert (g[:, 0, :] == -1).all() and (g[:, 4:6, 9:12] == -1).all()  # padding, empty slot
    single = make_grid(torcia.ones(1, 3, 4, 4))
    assert single.shape == (3, 4, 4)
    assert make_grid([torcia.zeros(3, 2, 2), torcia.ones(3, 2, 2)], padding=0).shape == (3, 2, 4)
    norm = make_grid(batch, normalize=True, padding=0)
    assert norm.min().item() == 0.0 and norm.max().item() == 1.0
    each = make_grid(batch, normalize=True, scale_each=True, padding=0)
    assert np.isclose(each.numpy()[0, :, 3:6].max(), 1.0)
    ranged = make_grid(batch, normalize=True, value_range=(0, 10), padding=0)
    assert ranged.max().item() == 1.0 and np.isclose(ranged.numpy()[0, 0, 1], 0.1)
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        make_grid(np.zeros((2, 3, 4, 4)))


def test_save_image_round_trip(tmp_path):
    img = torcia.rand(3, 5, 6)
    path = tmp_path / "x.png"
    save_image(img, str(path))
    back = np.asarray(Image.open(path))
    ref = np.clip(img.numpy() * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(back, ref)
    save_image(torcia.rand(4, 1, 5, 5), str(tmp_path / "grid.png"), nrow=2)
    assert Image.open(tmp_path / "grid.png").size == (2 + 2 * 7, 2 + 2 * 7)


def test_draw_bounding_boxes():
    image = torcia.zeros(3, 20, 30, dtype=torcia.uint8)
    boxes = torcia.tensor([[2, 3, 10, 12], [15, 5, 25, 18]])
    out = draw_bounding_boxes(image, boxes, labels=["a", "b"], colors=["red", (0, 255, 0)],
                              width=2)
    assert out.shape == (3, 20, 30) and out.dtype == torcia.uint8
    a = out.numpy()
    assert tuple(a[:, 3, 5]) == (255, 0, 0)  # top edge of the first box
    assert tuple(a[:, 18, 20]) == (0, 255, 0)  # bottom edge of the second
    assert tuple(a[:, 0, 0]) == (0, 0, 0)
    gray = draw_bounding_boxes(torcia.zeros(1, 10, 10, dtype=torcia.uint8),
                               torcia.tensor([[1, 1, 8, 8]]), colors="yellow", fill=True)
    assert gray.shape == (3, 10, 10) and gray.numpy().sum() > 0
    fl = draw_bounding_boxes(torcia.zeros(3, 10, 10), torcia.tensor([[1, 1, 8, 8]]),
                             colors="white")
    assert fl.dtype == torcia.float32 and fl.max().item() == 1.0
    with pytest.raises(ValueError, match="Boxes need to be in \\(xmin, ymin, xmax, ymax\\)"):
        draw_bounding_boxes(image, torcia.tensor([[5, 0, 1, 4]]))
    with pytest.raises(ValueError, match="Pass individual images, not batches"):
        draw_bounding_boxes(torcia.zeros(1, 3, 4, 4, dtype=torcia.uint8), boxes)

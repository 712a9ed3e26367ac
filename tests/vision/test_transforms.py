"""Transforms on generated PIL and tensor images, against torchvision's documented behaviour.

Where torchvision computes with PyTorch ops (interpolate, grid_sample, conv2d, the colour
formulas), the reference is computed here with PyTorch itself; random parameters are checked
against the same draws made with PyTorch's generator.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from PIL import Image

import torcia
from torcia.vision import transforms as T
from torcia.vision.transforms import functional as F

RNG = np.random.default_rng(0)


def gray_pil(h=12, w=16):
    return Image.fromarray(RNG.integers(0, 256, (h, w), dtype=np.uint8))


def rgb_pil(h=12, w=16):
    return Image.fromarray(RNG.integers(0, 256, (h, w, 3), dtype=np.uint8))


def rand_image(c=3, h=12, w=16, dtype=np.float32):
    if dtype == np.uint8:
        return RNG.integers(0, 256, (c, h, w), dtype=np.uint8)
    return RNG.random((c, h, w), dtype=np.float32).astype(dtype)


def as_np(t):
    return t.numpy() if isinstance(t, (torcia.Tensor, torch.Tensor)) else np.asarray(t)


# -- conversions ----------------------------------------------------------------------------
def test_to_tensor_scales_uint8_and_moves_channels_first():
    img = rgb_pil(5, 7)
    t = T.ToTensor()(img)
    assert t.shape == (3, 5, 7) and t.dtype == torcia.float32
    ref = np.asarray(img).transpose(2, 0, 1).astype(np.float32) / np.float32(255)
    np.testing.assert_array_equal(t.numpy(), ref)
    assert 0.0 <= t.min().item() and t.max().item() <= 1.0
    g = T.ToTensor()(gray_pil(4, 6))
    assert g.shape == (1, 4, 6)
    arr = RNG.integers(0, 256, (4, 6, 2), dtype=np.uint8)
    np.testing.assert_array_equal(T.ToTensor()(arr).numpy(),
                                  arr.transpose(2, 0, 1).astype(np.float32) / 255)
    f = RNG.random((4, 6), dtype=np.float32)
    out = T.ToTensor()(f)  # non-uint8 arrays keep their values
    assert out.dtype == torcia.float32 and out.shape == (1, 4, 6)
    np.testing.assert_array_equal(out.numpy()[0], f)
    assert T.ToTensor()(Image.new("1", (3, 2), 1)).numpy().tolist() == [[[1.0] * 3] * 2]
    assert T.ToTensor()(Image.new("I", (3, 2), 7)).dtype == torcia.int32
    assert T.ToTensor()(Image.new("F", (3, 2), 0.5)).dtype == torcia.float32
    torcia.set_default_dtype(torcia.float64)
    assert T.ToTensor()(img).dtype == torcia.float64
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()([1, 2])
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 1 dimensions."):
        T.ToTensor()(np.zeros(3))


def test_pil_to_tensor_and_back():
    img = rgb_pil(5, 7)
    t = T.PILToTensor()(img)
    assert t.dtype == torcia.uint8 and t.shape == (3, 5, 7)
    assert t.stride() == (1, 21, 3)  # a permuted view, as torchvision's
    np.testing.assert_array_equal(t.numpy(), np.asarray(img).transpose(2, 0, 1))
    back = T.ToPILImage()(t)
    assert back.mode == "RGB" and np.array_equal(np.asarray(back), np.asarray(img))
    fl = T.ToTensor()(img)
    again = T.ToPILImage()(fl)  # float -> mul(255).byte()
    ref = (torch.from_numpy(fl.numpy()).mul(255).byte()).numpy().transpose(1, 2, 0)
    np.testing.assert_array_equal(np.asarray(again), ref)
    assert T.ToPILImage()(torcia.zeros(1, 3, 4)).mode == "L"
    assert T.ToPILImage()(torcia.zeros(3, 4, dtype=torcia.int32)).mode == "I"
    assert T.ToPILImage(mode="F")(torcia.zeros(1, 3, 4)).mode == "F"
    assert T.ToPILImage()(np.zeros((3, 4, 4), np.uint8)).mode == "RGBA"
    assert T.ToPILImage()(np.zeros((3, 4, 2), np.uint8)).mode == "LA"
    assert T.ToPILImage(mode="YCbCr")(np.zeros((3, 4, 3), np.uint8)).mode == "YCbCr"
    with pytest.raises(ValueError, match="pic should not have > 4 channels"):
        T.ToPILImage()(torcia.zeros(5, 2, 2))
    with pytest.raises(ValueError, match="Only modes"):
        T.ToPILImage(mode="RGB")(np.zeros((3, 4, 4), np.uint8))


def test_convert_image_dtype_matches_torchvision_formulas():
    u8 = rand_image(dtype=np.uint8)
    f = F.convert_image_dtype(torcia.from_numpy(u8), torcia.float32)
    np.testing.assert_array_equal(f.numpy(), (torch.from_numpy(u8).float() / 255.0).numpy())
    fl = rand_image()
    back = T.ConvertImageDtype(torcia.uint8)(torcia.from_numpy(fl))
    np.testing.assert_array_equal(back.numpy(),
                                  torch.from_numpy(fl).mul(255.999).to(torch.uint8).numpy())
    i16 = F.convert_image_dtype(torcia.from_numpy(u8), torcia.int16)
    np.testing.assert_array_equal(i16.numpy(), u8.astype(np.int16) * 128)
    down = F.convert_image_dtype(i16, torcia.uint8)
    np.testing.assert_array_equal(down.numpy(), u8)
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.convert_image_dtype(torcia.zeros(1, 2, 2), torcia.int32)


def test_normalize_math():
    x = rand_image()
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    out = T.Normalize(mean, std)(torcia.from_numpy(x))
    ref = torch.from_numpy(x).clone().sub_(torch.tensor(mean).view(-1, 1, 1)).div_(
        torch.tensor(std).view(-1, 1, 1))
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    inp = torcia.from_numpy(x.copy())
    T.Normalize(mean, std, inplace=True)(inp)
    np.testing.assert_array_equal(inp.numpy(), ref.numpy())
    batch = torcia.from_numpy(np.stack([x, x]))
    np.testing.assert_array_equal(T.Normalize(mean, std)(batch).numpy()[1], ref.numpy())
    g = torcia.from_numpy(x[:1]).requires_grad_()
    y = T.Normalize((0.5,), (0.25,))(g)
    y.sum().backward()
    assert np.allclose(g.grad.numpy(), 4.0)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.5,), (0.0,))(torcia.from_numpy(x))
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        T.Normalize((0.5,), (0.5,))(torcia.zeros(1, 2, 2, dtype=torcia.uint8))
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        T.Normalize((0.5,), (0.5,))(gray_pil())
    assert repr(T.Normalize((0.5,), (0.5,))) == "Normalize(mean=(0.5,), std=(0.5,))"


# -- geometry -------------------------------------------------------------------------------
@pytest.mark.parametrize("hw,size,expected", [((30, 40), 20, (20, 26)), ((40, 30), 20, (26, 20)),
                                              ((30, 40), [15], (15, 20)),
                                              ((30, 40), (10, 12), (10, 12)),
                                              ((30, 30), 30, (30, 30))])
def test_resize_sizes_follow_the_shorter_side_rule(hw, size, expected):
    h, w = hw
    pil = T.Resize(size)(rgb_pil(h, w))
    assert (pil.height, pil.width) == expected
    t = T.Resize(size)(torcia.from_numpy(rand_image(3, h, w)))
    assert tuple(t.shape) == (3,) + expected
    assert tuple(T.Resize(20, max_size=24)(rgb_pil(30, 40)).size) == (24, 18)


def test_resize_pil_uses_pillow():
    img = rgb_pil(30, 40)
    out = T.Resize((10, 12), interpolation=T.InterpolationMode.BICUBIC)(img)
    assert np.array_equal(np.asarray(out), np.asarray(img.resize((12, 10), Image.BICUBIC)))
    same = T.Resize(30)(img)
    assert same is img
    assert repr(T.Resize(5)) == ("Resize(size=5, interpolation=bilinear, max_size=None, "
                                 "antialias=True)")


@pytest.mark.parametrize("mode,antialias", [("bilinear", True), ("bilinear", False),
                                            ("bicubic", True), ("nearest", False),
                                            ("nearest-exact", False)])
def test_tensor_resize_matches_interpolate(mode, antialias):
    x = rand_image(3, 20, 26)
    out = F.resize(torcia.from_numpy(x), [11, 31], T.InterpolationMode(mode), antialias=antialias)
    kw = {"align_corners": False} if mode in ("bilinear", "bicubic") else {}
    ref = TF.interpolate(torch.from_numpy(x)[None], size=(11, 31), mode=mode,
                         antialias=antialias, **kw)[0]
    np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=2e-6, rtol=0)
    u8 = rand_image(3, 20, 26, np.uint8)
    out8 = F.resize(torcia.from_numpy(u8), [11, 13])
    ref8 = TF.interpolate(torch.from_numpy(u8)[None].float(), size=(11, 13), mode="bilinear",
                          align_corners=False, antialias=True)[0].round().to(torch.uint8)
    assert out8.dtype == torcia.uint8
    assert np.abs(out8.numpy().astype(int) - ref8.numpy().astype(int)).max() <= 1


def test_crops_flips_pad():
    pil = rgb_pil(10, 12)
    arr = np.asarray(pil)
    t = torcia.from_numpy(arr.transpose(2, 0, 1).copy())
    assert np.array_equal(np.asarray(T.CenterCrop(4)(pil)), arr[3:7, 4:8])
    np.testing.assert_array_equal(T.CenterCrop((4, 6))(t).numpy(),
                                  arr.transpose(2, 0, 1)[:, 3:7, 3:9])
    big = T.CenterCrop((14, 13))(t)  # larger than the image: zero padding around it
    assert big.shape == (3, 14, 13) and big.numpy()[:, :2].sum() == 0
    assert T.CenterCrop((14, 13))(pil).size == (13, 14)
    np.testing.assert_array_equal(F.hflip(t).numpy(), t.numpy()[:, :, ::-1])
    np.testing.assert_array_equal(np.asarray(F.vflip(pil)), arr[::-1])
    np.testing.assert_array_equal(F.crop(t, -1, 2, 3, 4).numpy()[:, 0], 0)
    for mode in ("constant", "edge", "reflect", "symmetric"):
        for padding in (2, (1, 3), (1, 2, 3, 0), (-1, 2, 1, 0)):
            out = F.pad(t.float(), list(padding) if isinstance(padding, tuple) else padding,
                        fill=0, padding_mode=mode)
            p = [padding] * 4 if isinstance(padding, int) else \
                ([padding[0], padding[1]] * 2 if len(padding) == 2 else list(padding))
            ref = TF.pad(torch.from_numpy(arr.transpose(2, 0, 1).astype(np.float32))[None],
                         (p[0], p[2], p[1], p[3]),
                         mode={"edge": "replicate"}.get(mode, mode)
                         if mode != "symmetric" else "constant")[0]
            if mode == "symmetric":
                if min(p) < 0:
                    continue
                ref = np.pad(arr.transpose(2, 0, 1), ((0, 0), (p[1], p[3]), (p[0], p[2])),
                             mode="symmetric")
            np.testing.assert_array_equal(out.numpy(), as_np(ref))
            pil_out = F.pad(pil, padding, fill=0, padding_mode=mode)
            np.testing.assert_array_equal(np.asarray(pil_out), out.numpy().transpose(1, 2, 0))
    assert T.Pad(3, fill=(1, 2, 3))(pil).getpixel((0, 0)) == (1, 2, 3)
    with pytest.raises(ValueError, match="Padding mode should be"):
        T.Pad(1, padding_mode="wrap")


def test_random_crop_draws_like_torchvision():
    t = torcia.from_numpy(rand_image(3, 10, 12))
    torcia.manual_seed(7)
    out = T.RandomCrop((4, 5))(t)
    torch.manual_seed(7)
    i = torch.randint(0, 10 - 4 + 1, size=(1,)).item()
    j = torch.randint(0, 12 - 5 + 1, size=(1,)).item()
    np.testing.assert_array_equal(out.numpy(), t.numpy()[:, i:i + 4, j:j + 5])
    padded = T.RandomCrop((14, 16), padding=2)(t)
    assert padded.shape == (3, 14, 16)
    grown = T.RandomCrop((12, 20), pad_if_needed=True, padding_mode="edge")(gray_pil(10, 12))
    assert grown.size == (20, 12)
    with pytest.raises(ValueError, match=r"Required crop size \(20, 20\) is larger"):
        T.RandomCrop(20)(t)
    torcia.manual_seed(1)
    a = T.RandomCrop(6)(rgb_pil())
    torcia.manual_seed(1)
    b = T.RandomCrop(6)(rgb_pil())
    assert a.size == (6, 6) and a.size == b.size


def test_random_resized_crop_params_match_torchvision_draws():
    img = rgb_pil(40, 60)
    torcia.manual_seed(3)
    got = T.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3))
    torch.manual_seed(3)
    area = 40 * 60
    log_ratio = torch.log(torch.tensor((3 / 4, 4 / 3)))
    for _ in range(10):
        target_area = area * torch.empty(1).uniform_(0.08, 1.0).item()
        aspect = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
        w = int(round(math.sqrt(target_area * aspect)))
        h = int(round(math.sqrt(target_area / aspect)))
        if 0 < w <= 60 and 0 < h <= 40:
            i = torch.randint(0, 40 - h + 1, size=(1,)).item()
            j = torch.randint(0, 60 - w + 1, size=(1,)).item()
            break
    assert got == (i, j, h, w)
    out = T.RandomResizedCrop(24)(img)
    assert out.size == (24, 24)
    assert T.RandomResizedCrop((8, 10))(torcia.from_numpy(rand_image())).shape == (3, 8, 10)
    assert T.RandomResizedCrop.get_params(img, (5.0, 5.0), (1.0, 1.0)) == (0, 10, 40, 40)


def test_flips_follow_torch_rand():
    t = torcia.from_numpy(rand_image())
    for seed in range(6):
        torch.manual_seed(seed)
        flip = torch.rand(1).item() < 0.5
        torcia.manual_seed(seed)
        out = T.RandomHorizontalFlip()(t)
        np.testing.assert_array_equal(out.numpy(), t.numpy()[..., ::-1] if flip else t.numpy())
        torcia.manual_seed(seed)
        out = T.RandomVerticalFlip()(t)
        np.testing.assert_array_equal(out.numpy(), t.numpy()[..., ::-1, :] if flip else t.numpy())
    assert T.RandomHorizontalFlip(p=1.0)(gray_pil()).size == (16, 12)


def _torchvision_affine_reference(x, matrix, mode, fill):
    """torchvision's tensor affine path written with PyTorch ops (affine grid + grid_sample +
    fill mask)."""
    img = torch.from_numpy(x)[None]
    oh, ow = img.shape[-2:]
    theta = torch.tensor(matrix, dtype=torch.float32).reshape(1, 2, 3)
    base = torch.empty(1, oh, ow, 3)
    base[..., 0].copy_(torch.linspace(-ow * 0.5 + 0.5, ow * 0.5 + 0.5 - 1, steps=ow))
    base[..., 1].copy_(torch.linspace(-oh * 0.5 + 0.5, oh * 0.5 + 0.5 - 1,
                                      steps=oh).unsqueeze_(-1))
    base[..., 2].fill_(1)
    grid = base.view(1, oh * ow, 3).bmm(theta.transpose(1, 2) / torch.tensor([0.5 * ow,
                                                                              0.5 * oh]))
    grid = grid.view(1, oh, ow, 2)
    img = torch.cat((img, torch.ones(1, 1, oh, ow)), dim=1)
    out = TF.grid_sample(img, grid, mode=mode, padding_mode="zeros", align_corners=False)
    mask = out[:, -1:].expand_as(out[:, :-1])
    out = out[:, :-1]
    fill_img = torch.tensor(fill, dtype=out.dtype).view(1, -1, 1, 1).expand_as(out)
    if mode == "nearest":
        out = torch.where(mask < 0.5, fill_img, out)
    else:
        out = out * mask + (1.0 - mask) * fill_img
    return out[0].numpy()


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_tensor_rotate_and_affine_match_grid_sample(mode):
    x = rand_image(3, 11, 14)
    interp = T.InterpolationMode(mode)
    out = F.rotate(torcia.from_numpy(x), 33.0, interpolation=interp, fill=[0.5, 0.5, 0.5])
    matrix = F._get_inverse_affine_matrix([0.0, 0.0], -33.0, [0.0, 0.0], 1.0, [0.0, 0.0])
    ref = _torchvision_affine_reference(x, matrix, mode, [0.5, 0.5, 0.5])
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-5)
    out = F.affine(torcia.from_numpy(x), 10.0, [2, -1], 1.2, [5.0, 3.0], interpolation=interp,
                   fill=[0.0, 0.0, 0.0])
    matrix = F._get_inverse_affine_matrix([0.0, 0.0], 10.0, [2.0, -1.0], 1.2, [5.0, 3.0])
    ref = _torchvision_affine_reference(x, matrix, mode, [0.0, 0.0, 0.0])
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-5)


def test_rotation_and_affine_transforms():
    t = torcia.from_numpy(rand_image(1, 9, 9))
    quarter = F.rotate(t, 90.0)
    np.testing.assert_allclose(quarter.numpy(), np.rot90(t.numpy(), 1, axes=(1, 2)))
    assert F.rotate(t, 45.0, expand=True).shape == (1, 13, 13)
    pil = gray_pil(9, 9)
    assert np.array_equal(np.asarray(F.rotate(pil, 90.0)), np.rot90(np.asarray(pil)))
    torcia.manual_seed(0)
    a = T.RandomRotation(30)(pil)
    torcia.manual_seed(0)
    angle = T.RandomRotation.get_params([-30.0, 30.0])
    torch.manual_seed(0)
    assert angle == float(torch.empty(1).uniform_(-30.0, 30.0).item())
    assert np.array_equal(np.asarray(a), np.asarray(pil.rotate(angle)))
    torcia.manual_seed(2)
    params = T.RandomAffine.get_params([-10.0, 10.0], (0.1, 0.2), (0.9, 1.1), [-5.0, 5.0, -3.0,
                                                                                3.0], [20, 30])
    torch.manual_seed(2)
    u = [torch.empty(1).uniform_(lo, hi).item() for lo, hi in
         [(-10.0, 10.0), (-2.0, 2.0), (-6.0, 6.0), (0.9, 1.1), (-5.0, 5.0), (-3.0, 3.0)]]
    assert params == (u[0], (int(round(u[1])), int(round(u[2]))), u[3], (u[4], u[5]))
    out = T.RandomAffine(15, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5)(rgb_pil())
    assert out.size == (16, 12)
    assert T.RandomAffine(15, fill=1)(torcia.from_numpy(rand_image())).shape == (3, 12, 16)
    assert repr(T.RandomRotation(10)) == ("RandomRotation(degrees=[-10.0, 10.0], "
                                          "interpolation=nearest, expand=False, fill=0)")


# -- colour ---------------------------------------------------------------------------------
def test_grayscale():
    x = rand_image()
    out = T.Grayscale()(torcia.from_numpy(x))
    r, g, b = torch.from_numpy(x).unbind(0)
    ref = (0.2989 * r + 0.587 * g + 0.114 * b).unsqueeze(0)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=1e-7)
    u8 = rand_image(dtype=np.uint8)
    out8 = T.Grayscale(3)(torcia.from_numpy(u8))
    r, g, b = torch.from_numpy(u8).unbind(0)
    ref8 = (0.2989 * r + 0.587 * g + 0.114 * b).to(torch.uint8)
    assert out8.shape == (3, 12, 16)
    np.testing.assert_array_equal(out8.numpy()[2], ref8.numpy())
    pil = T.Grayscale(num_output_channels=3)(rgb_pil())
    assert pil.mode == "RGB"
    assert T.Grayscale()(rgb_pil()).mode == "L"


def test_color_jitter_params_and_ops():
    torcia.manual_seed(4)
    got = T.ColorJitter.get_params((0.5, 1.5), (0.8, 1.2), None, (-0.1, 0.1))
    torch.manual_seed(4)
    order = torch.randperm(4).tolist()
    b = torch.empty(1).uniform_(0.5, 1.5).item()
    c = torch.empty(1).uniform_(0.8, 1.2).item()
    h = torch.empty(1).uniform_(-0.1, 0.1).item()
    assert (got[0].tolist(), got[1], got[2], got[3], got[4]) == (order, b, c, None, h)
    x = torcia.from_numpy(rand_image())
    np.testing.assert_allclose(F.adjust_brightness(x, 1.5).numpy(),
                               np.clip(x.numpy() * 1.5, 0, 1), atol=1e-7)
    np.testing.assert_allclose(F.adjust_saturation(x, 0.0).numpy(),
                               T.Grayscale(3)(x).numpy(), atol=1e-6)
    assert np.allclose(F.adjust_hue(x, 0.0).numpy(), x.numpy(), atol=1e-6)
    shifted = F.adjust_hue(x, 0.5)
    twice = F.adjust_hue(shifted, -0.5)
    assert np.allclose(twice.numpy(), x.numpy(), atol=1e-5)
    u8 = torcia.from_numpy(rand_image(dtype=np.uint8))
    assert F.adjust_hue(u8, 0.2).dtype == torcia.uint8
    assert F.adjust_contrast(u8, 0.5).dtype == torcia.uint8
    pil = rgb_pil()
    assert np.asarray(F.adjust_brightness(pil, 0.0)).max() == 0
    out = T.ColorJitter(0.4, 0.4, 0.4, 0.1)(pil)
    assert out.size == pil.size and out.mode == "RGB"
    assert T.ColorJitter(0.4, 0.4, 0.4, 0.1)(x).shape == x.shape
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.7)
    assert repr(T.ColorJitter(brightness=0.5)) == ("ColorJitter(brightness=(0.5, 1.5), "
                                                   "contrast=None, saturation=None, hue=None)")


def test_gaussian_blur_matches_conv2d():
    x = rand_image(3, 10, 11)
    out = F.gaussian_blur(torcia.from_numpy(x), [5, 3], [1.2, 0.7])

    def k1d(k, s):
        xs = torch.linspace(-(k - 1) * 0.5, (k - 1) * 0.5, steps=k)
        pdf = torch.exp(-0.5 * (xs / s).pow(2))
        return pdf / pdf.sum()
    k2 = torch.mm(k1d(3, 0.7)[:, None], k1d(5, 1.2)[None, :]).expand(3, 1, 3, 5)
    img = TF.pad(torch.from_numpy(x)[None], [2, 2, 1, 1], mode="reflect")
    ref = TF.conv2d(img, k2, groups=3)[0]
    np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=1e-6)
    pil = T.GaussianBlur(3)(rgb_pil())
    assert pil.mode == "RGB" and pil.size == (16, 12)
    with pytest.raises(ValueError, match="Kernel size value should be an odd and positive"):
        T.GaussianBlur(4)


def test_random_erasing():
    x = torcia.from_numpy(rand_image(3, 20, 20))
    torcia.manual_seed(0)
    out = T.RandomErasing(p=1.0, value=0)(x)
    zeroed = (out.numpy() == 0).all(axis=0)
    assert zeroed.any() and not (x.numpy() == 0).all(axis=0).any()
    assert np.array_equal(out.numpy()[:, ~zeroed], x.numpy()[:, ~zeroed])
    torcia.manual_seed(0)
    again = T.RandomErasing(p=1.0, value=0)(x)
    assert np.array_equal(out.numpy(), again.numpy())
    assert T.RandomErasing(p=0.0)(x) is x
    rnd = T.RandomErasing(p=1.0, value="random")(x)
    assert rnd.shape == x.shape
    with pytest.raises(ValueError, match="If value is str, it should be 'random'"):
        T.RandomErasing(value="zeros")
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        T.RandomErasing(p=1.0)(rgb_pil())


# -- composition ----------------------------------------------------------------------------
def test_compose_lambda_apply_choice_and_reprs():
    pipeline = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
    out = pipeline(gray_pil(4, 4))
    assert out.dtype == torcia.float32 and -1.0 <= out.min().item() and out.max().item() <= 1.0
    assert repr(pipeline) == "Compose(\n    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n)"
    assert T.Lambda(lambda v: v + 1)(1) == 2
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)
    for seed in range(5):
        torch.manual_seed(seed)
        applied = not 0.5 < torch.rand(1).item()
        torcia.manual_seed(seed)
        assert T.RandomApply([T.Lambda(lambda v: v + 1)], p=0.5)(0) == int(applied)
    import random
    random.seed(3)
    picks = [T.RandomChoice([T.Lambda(lambda v: 0), T.Lambda(lambda v: 1)])(None)
             for _ in range(20)]
    assert set(picks) == {0, 1}
    assert T.RandomOrder([T.Lambda(lambda v: v * 2)])(3) == 6
    assert repr(T.RandomApply([T.ToTensor()], p=0.3)) == \
        "RandomApply(\n    p=0.3\n    ToTensor()\n)"
    assert repr(T.CenterCrop(5)) == "CenterCrop(size=(5, 5))"
    assert repr(T.RandomHorizontalFlip()) == "RandomHorizontalFlip(p=0.5)"
    assert repr(T.RandomCrop(4, padding=2)) == "RandomCrop(size=(4, 4), padding=2)"
    assert repr(T.RandomResizedCrop(8)) == ("RandomResizedCrop(size=(8, 8), scale=(0.08, 1.0), "
                                            "ratio=(0.75, 1.3333), interpolation=bilinear, "
                                            "antialias=True)")


def test_seeded_pipeline_is_deterministic():
    pipeline = T.Compose([T.RandomResizedCrop(10), T.RandomHorizontalFlip(), T.ColorJitter(0.3),
                          T.ToTensor(), T.RandomErasing()])
    img = rgb_pil(20, 24)
    torcia.manual_seed(9)
    a = [pipeline(img) for _ in range(3)]
    torcia.manual_seed(9)
    b = [pipeline(img) for _ in range(3)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    assert not np.array_equal(a[0].numpy(), a[1].numpy())

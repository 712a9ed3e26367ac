"""torcia.vision.models against torchvision's definitions.

torchvision cannot be installed beside the oracle torch here, so this file holds a minimal
torch.nn reference of each architecture, written from torchvision's source (same class names,
attribute names, initialisation order). Expected state_dict keys and shapes come from
generators that spell out torchvision's layouts, and parameter counts are torchvision's
published numbers (its weights' ``num_params``); none comes from torcia's output.
"""

import contextlib
import functools
import re
import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn

import torcia
from torcia.vision import models

# -- torch references (torchvision's structure, written with torch.nn) -------------------------


class BasicBlock(tnn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64,
                 dilation=1, norm_layer=None):
        super().__init__()
        norm_layer = norm_layer or tnn.BatchNorm2d
        self.conv1 = tnn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = norm_layer(planes)
        self.relu = tnn.ReLU(inplace=True)
        self.conv2 = tnn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        out += x if self.downsample is None else self.downsample(x)
        return self.relu(out)


class Bottleneck(tnn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64,
                 dilation=1, norm_layer=None):
        super().__init__()
        norm_layer = norm_layer or tnn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = tnn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = norm_layer(width)
        self.conv2 = tnn.Conv2d(width, width, 3, stride, dilation, groups=groups, bias=False,
                                dilation=dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = tnn.Conv2d(width, planes * 4, 1, bias=False)
        self.bn3 = norm_layer(planes * 4)
        self.relu = tnn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out += x if self.downsample is None else self.downsample(x)
        return self.relu(out)


class ResNet(tnn.Module):
    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, groups=1,
                 width_per_group=64, replace_stride_with_dilation=None, norm_layer=None):
        super().__init__()
        self._norm_layer = norm_layer = norm_layer or tnn.BatchNorm2d
        self.inplanes, self.dilation = 64, 1
        dilate = replace_stride_with_dilation or [False] * 3
        self.groups, self.base_width = groups, width_per_group
        self.conv1 = tnn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(64)
        self.relu = tnn.ReLU(inplace=True)
        self.maxpool = tnn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], 2, dilate[0])
        self.layer3 = self._make_layer(block, 256, layers[2], 2, dilate[1])
        self.layer4 = self._make_layer(block, 512, layers[3], 2, dilate[2])
        self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
        self.fc = tnn.Linear(512 * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, tnn.Conv2d):
                tnn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (tnn.BatchNorm2d, tnn.GroupNorm)):
                tnn.init.constant_(m.weight, 1)
                tnn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck):
                    tnn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock):
                    tnn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        downsample, previous_dilation = None, self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = tnn.Sequential(
                tnn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                self._norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width,
                        previous_dilation, self._norm_layer)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                         dilation=self.dilation, norm_layer=self._norm_layer)
                   for _ in range(1, blocks)]
        return tnn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


VGG_CFGS = {"A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
            "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                  512, 512, 512, "M"]}


class VGG(tnn.Module):
    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5):
        super().__init__()
        self.features = features
        self.avgpool = tnn.AdaptiveAvgPool2d((7, 7))
        self.classifier = tnn.Sequential(
            tnn.Linear(512 * 7 * 7, 4096), tnn.ReLU(True), tnn.Dropout(p=dropout),
            tnn.Linear(4096, 4096), tnn.ReLU(True), tnn.Dropout(p=dropout),
            tnn.Linear(4096, num_classes))
        if init_weights:
            for m in self.modules():
                if isinstance(m, tnn.Conv2d):
                    tnn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    tnn.init.constant_(m.bias, 0)
                elif isinstance(m, tnn.BatchNorm2d):
                    tnn.init.constant_(m.weight, 1)
                    tnn.init.constant_(m.bias, 0)
                elif isinstance(m, tnn.Linear):
                    tnn.init.normal_(m.weight, 0, 0.01)
                    tnn.init.constant_(m.bias, 0)

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def vgg_features(cfg, batch_norm):
    layers, c = [], 3
    for v in cfg:
        if v == "M":
            layers.append(tnn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [tnn.Conv2d(c, v, kernel_size=3, padding=1)]
            layers += [tnn.BatchNorm2d(v)] if batch_norm else []
            layers += [tnn.ReLU(inplace=True)]
            c = v
    return tnn.Sequential(*layers)


class Conv2dNormActivation(tnn.Sequential):
    def __init__(self, cin, cout, kernel_size=3, stride=1, groups=1):
        super().__init__(tnn.Conv2d(cin, cout, kernel_size, stride, (kernel_size - 1) // 2,
                                    groups=groups, bias=False),
                         tnn.BatchNorm2d(cout), tnn.ReLU6(inplace=True))
        self.out_channels = cout


class InvertedResidual(tnn.Module):
    def __init__(self, inp, oup, stride, expand_ratio):
        super().__init__()
        self.stride = stride
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers = [Conv2dNormActivation(inp, hidden, kernel_size=1)] if expand_ratio != 1 else []
        layers += [Conv2dNormActivation(hidden, hidden, stride=stride, groups=hidden),
                   tnn.Conv2d(hidden, oup, 1, 1, 0, bias=False), tnn.BatchNorm2d(oup)]
        self.conv = tnn.Sequential(*layers)
        self.out_channels = oup

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


def make_divisible(v, divisor):
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


MBV2_SETTING = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                [6, 160, 3, 2], [6, 320, 1, 1]]


class MobileNetV2(tnn.Module):
    def __init__(self, num_classes=1000, width_mult=1.0, round_nearest=8, dropout=0.2):
        super().__init__()
        cin = make_divisible(32 * width_mult, round_nearest)
        self.last_channel = make_divisible(1280 * max(1.0, width_mult), round_nearest)
        features = [Conv2dNormActivation(3, cin, stride=2)]
        for t, c, n, s in MBV2_SETTING:
            cout = make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                features.append(InvertedResidual(cin, cout, s if i == 0 else 1, expand_ratio=t))
                cin = cout
        features.append(Conv2dNormActivation(cin, self.last_channel, kernel_size=1))
        self.features = tnn.Sequential(*features)
        self.classifier = tnn.Sequential(tnn.Dropout(p=dropout),
                                         tnn.Linear(self.last_channel, num_classes))
        for m in self.modules():
            if isinstance(m, tnn.Conv2d):
                tnn.init.kaiming_normal_(m.weight, mode="fan_out")
            elif isinstance(m, tnn.BatchNorm2d):
                tnn.init.ones_(m.weight)
                tnn.init.zeros_(m.bias)
            elif isinstance(m, tnn.Linear):
                tnn.init.normal_(m.weight, 0, 0.01)
                tnn.init.zeros_(m.bias)

    def forward(self, x):
        x = tnn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(torch.flatten(x, 1))


class AlexNet(tnn.Module):
    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        relu, pool = functools.partial(tnn.ReLU, inplace=True), functools.partial(
            tnn.MaxPool2d, kernel_size=3, stride=2)
        self.features = tnn.Sequential(
            tnn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), relu(), pool(),
            tnn.Conv2d(64, 192, kernel_size=5, padding=2), relu(), pool(),
            tnn.Conv2d(192, 384, kernel_size=3, padding=1), relu(),
            tnn.Conv2d(384, 256, kernel_size=3, padding=1), relu(),
            tnn.Conv2d(256, 256, kernel_size=3, padding=1), relu(), pool())
        self.avgpool = tnn.AdaptiveAvgPool2d((6, 6))
        self.classifier = tnn.Sequential(
            tnn.Dropout(p=dropout), tnn.Linear(256 * 6 * 6, 4096), relu(),
            tnn.Dropout(p=dropout), tnn.Linear(4096, 4096), relu(), tnn.Linear(4096, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class Fire(tnn.Module):
    def __init__(self, inplanes, squeeze_planes, e1, e3):
        super().__init__()
        self.inplanes = inplanes
        self.squeeze = tnn.Conv2d(inplanes, squeeze_planes, kernel_size=1)
        self.squeeze_activation = tnn.ReLU(inplace=True)
        self.expand1x1 = tnn.Conv2d(squeeze_planes, e1, kernel_size=1)
        self.expand1x1_activation = tnn.ReLU(inplace=True)
        self.expand3x3 = tnn.Conv2d(squeeze_planes, e3, kernel_size=3, padding=1)
        self.expand3x3_activation = tnn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat([self.expand1x1_activation(self.expand1x1(x)),
                          self.expand3x3_activation(self.expand3x3(x))], 1)


class SqueezeNet(tnn.Module):
    def __init__(self, version="1_0", num_classes=1000, dropout=0.5):
        super().__init__()
        self.num_classes = num_classes
        pool = functools.partial(tnn.MaxPool2d, kernel_size=3, stride=2, ceil_mode=True)
        self.features = tnn.Sequential(
            tnn.Conv2d(3, 96, kernel_size=7, stride=2), tnn.ReLU(inplace=True), pool(),
            Fire(96, 16, 64, 64), Fire(128, 16, 64, 64), Fire(128, 32, 128, 128), pool(),
            Fire(256, 32, 128, 128), Fire(256, 48, 192, 192), Fire(384, 48, 192, 192),
            Fire(384, 64, 256, 256), pool(), Fire(512, 64, 256, 256))
        final_conv = tnn.Conv2d(512, num_classes, kernel_size=1)
        self.classifier = tnn.Sequential(tnn.Dropout(p=dropout), final_conv,
                                         tnn.ReLU(inplace=True), tnn.AdaptiveAvgPool2d((1, 1)))
        for m in self.modules():
            if isinstance(m, tnn.Conv2d):
                if m is final_conv:
                    tnn.init.normal_(m.weight, mean=0.0, std=0.01)
                else:
                    tnn.init.kaiming_uniform_(m.weight)
                tnn.init.constant_(m.bias, 0)

    def forward(self, x):
        return torch.flatten(self.classifier(self.features(x)), 1)


REFERENCES = {
    "resnet18": lambda **kw: ResNet(BasicBlock, [2, 2, 2, 2], **kw),
    "resnet34": lambda **kw: ResNet(BasicBlock, [3, 4, 6, 3], **kw),
    "resnet50": lambda **kw: ResNet(Bottleneck, [3, 4, 6, 3], **kw),
    "vgg11": lambda **kw: VGG(vgg_features(VGG_CFGS["A"], False), **kw),
    "vgg11_bn": lambda **kw: VGG(vgg_features(VGG_CFGS["A"], True), **kw),
    "vgg16": lambda **kw: VGG(vgg_features(VGG_CFGS["D"], False), **kw),
    "vgg16_bn": lambda **kw: VGG(vgg_features(VGG_CFGS["D"], True), **kw),
    "mobilenet_v2": MobileNetV2,
    "alexnet": AlexNet,
    "squeezenet1_0": SqueezeNet,
}

# -- torchvision's state_dict layouts, spelled out ----------------------------------------------


def _conv(sd, name, cout, cin, k, bias=False):
    sd[f"{name}.weight"] = (cout, cin, k, k)
    if bias:
        sd[f"{name}.bias"] = (cout,)


def _bn(sd, name, c):
    for p in ("weight", "bias", "running_mean", "running_var"):
        sd[f"{name}.{p}"] = (c,)
    sd[f"{name}.num_batches_tracked"] = ()


def resnet_layout(block, layers, num_classes=1000, groups=1, width_per_group=64):
    """conv1, bn1, layerI.J.{conv1, bn1, conv2, bn2[, conv3, bn3][, downsample.0/1]}, fc."""
    expansion = 1 if block == "basic" else 4
    sd = {}
    _conv(sd, "conv1", 64, 3, 7)
    _bn(sd, "bn1", 64)
    inplanes = 64
    for i, (planes, n) in enumerate(zip([64, 128, 256, 512], layers)):
        for j in range(n):
            p = f"layer{i + 1}.{j}"
            if block == "basic":
                _conv(sd, f"{p}.conv1", planes, inplanes, 3)
                _bn(sd, f"{p}.bn1", planes)
                _conv(sd, f"{p}.conv2", planes, planes, 3)
                _bn(sd, f"{p}.bn2", planes)
            else:
                width = int(planes * width_per_group / 64) * groups
                _conv(sd, f"{p}.conv1", width, inplanes, 1)
                _bn(sd, f"{p}.bn1", width)
                _conv(sd, f"{p}.conv2", width, width // groups, 3)
                _bn(sd, f"{p}.bn2", width)
                _conv(sd, f"{p}.conv3", planes * 4, width, 1)
                _bn(sd, f"{p}.bn3", planes * 4)
            if j == 0 and (i > 0 or inplanes != planes * expansion):
                _conv(sd, f"{p}.downsample.0", planes * expansion, inplanes, 1)
                _bn(sd, f"{p}.downsample.1", planes * expansion)
            inplanes = planes * expansion
    sd["fc.weight"], sd["fc.bias"] = (num_classes, 512 * expansion), (num_classes,)
    return sd


def vgg_layout(cfg, batch_norm, num_classes=1000):
    """features.N (conv [+ bn] + relu per number, a pool per "M"), classifier.0/3/6."""
    sd, i, c = {}, 0, 3
    for v in VGG_CFGS[cfg]:
        if v == "M":
            i += 1
            continue
        _conv(sd, f"features.{i}", v, c, 3, bias=True)
        if batch_norm:
            _bn(sd, f"features.{i + 1}", v)
        i, c = i + (3 if batch_norm else 2), v
    for j, (o, k) in zip((0, 3, 6), ((4096, 25088), (4096, 4096), (num_classes, 4096))):
        sd[f"classifier.{j}.weight"], sd[f"classifier.{j}.bias"] = (o, k), (o,)
    return sd


def mobilenet_v2_layout(num_classes=1000):
    """features.0.{0,1}; features.1..17.conv.{[0.0, 0.1,] J.0, J.1, J+1, J+2};
    features.18.{0,1}; classifier.1."""
    sd = {}
    _conv(sd, "features.0.0", 32, 3, 3)
    _bn(sd, "features.0.1", 32)
    idx, cin = 1, 32
    for t, c, n, _ in MBV2_SETTING:
        for _ in range(n):
            p, hidden, j = f"features.{idx}.conv", cin * t, 0
            if t != 1:
                _conv(sd, f"{p}.0.0", hidden, cin, 1)
                _bn(sd, f"{p}.0.1", hidden)
                j = 1
            sd[f"{p}.{j}.0.weight"] = (hidden, 1, 3, 3)  # depthwise
            _bn(sd, f"{p}.{j}.1", hidden)
            _conv(sd, f"{p}.{j + 1}", c, hidden, 1)
            _bn(sd, f"{p}.{j + 2}", c)
            idx, cin = idx + 1, c
    _conv(sd, "features.18.0", 1280, 320, 1)
    _bn(sd, "features.18.1", 1280)
    sd["classifier.1.weight"], sd["classifier.1.bias"] = (num_classes, 1280), (num_classes,)
    return sd


def alexnet_layout(num_classes=1000):
    sd = {}
    for i, (o, c, k) in zip((0, 3, 6, 8, 10), ((64, 3, 11), (192, 64, 5), (384, 192, 3),
                                               (256, 384, 3), (256, 256, 3))):
        _conv(sd, f"features.{i}", o, c, k, bias=True)
    for j, (o, k) in zip((1, 4, 6), ((4096, 9216), (4096, 4096), (num_classes, 4096))):
        sd[f"classifier.{j}.weight"], sd[f"classifier.{j}.bias"] = (o, k), (o,)
    return sd


def squeezenet1_0_layout(num_classes=1000):
    sd = {}
    _conv(sd, "features.0", 96, 3, 7, bias=True)
    fires = {3: (96, 16, 64), 4: (128, 16, 64), 5: (128, 32, 128), 7: (256, 32, 128),
             8: (256, 48, 192), 9: (384, 48, 192), 10: (384, 64, 256), 12: (512, 64, 256)}
    for i, (cin, s, e) in fires.items():
        _conv(sd, f"features.{i}.squeeze", s, cin, 1, bias=True)
        _conv(sd, f"features.{i}.expand1x1", e, s, 1, bias=True)
        _conv(sd, f"features.{i}.expand3x3", e, s, 3, bias=True)
    _conv(sd, "classifier.1", num_classes, 512, 1, bias=True)
    return sd


LAYOUTS = {
    "resnet18": lambda: resnet_layout("basic", [2, 2, 2, 2]),
    "resnet34": lambda: resnet_layout("basic", [3, 4, 6, 3]),
    "resnet50": lambda: resnet_layout("bottleneck", [3, 4, 6, 3]),
    "vgg11": lambda: vgg_layout("A", False),
    "vgg11_bn": lambda: vgg_layout("A", True),
    "vgg16": lambda: vgg_layout("D", False),
    "vgg16_bn": lambda: vgg_layout("D", True),
    "mobilenet_v2": mobilenet_v2_layout,
    "alexnet": alexnet_layout,
    "squeezenet1_0": squeezenet1_0_layout,
}

# torchvision's published parameter counts (the num_params of its weights' metadata)
NUM_PARAMS = {"resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032,
              "vgg11": 132_863_336, "vgg11_bn": 132_868_840, "vgg16": 138_357_544,
              "vgg16_bn": 138_365_992, "mobilenet_v2": 3_504_872, "alexnet": 61_100_840,
              "squeezenet1_0": 1_248_424, "squeezenet1_1": 1_235_496,
              "resnext50_32x4d": 25_028_904, "wide_resnet50_2": 68_883_240}

# -- helpers ------------------------------------------------------------------------------------


@contextlib.contextmanager
def no_draws(record=None):
    """Build models without random draws (each draw's call is appended to ``record``): torcia's
    generator reproduces PyTorch's bit for bit but costs ~10 s for a VGG's 10^8 values."""
    saved = torcia.Tensor.uniform_, torcia.Tensor.normal_

    def fake(name):
        def draw(self, *args, **kwargs):
            if record is not None:
                record.append((name, tuple(self.shape), args, kwargs))
            return self
        return draw
    torcia.Tensor.uniform_, torcia.Tensor.normal_ = fake("uniform_"), fake("normal_")
    try:
        yield
    finally:
        torcia.Tensor.uniform_, torcia.Tensor.normal_ = saved


@pytest.fixture
def fast_init():
    with no_draws():
        yield


def shapes(sd):
    return {k: tuple(v.shape) for k, v in sd.items()}


def copy_into(model, ref):
    """Copy a torch model's state_dict into a torcia model, through NumPy."""
    sd = {k: torcia.from_numpy(v.detach().numpy().copy()) for k, v in ref.state_dict().items()}
    model.load_state_dict(sd)


def assert_close(a, e, rtol=2e-4, atol=2e-5, what=""):
    a = a.detach().numpy() if isinstance(a, torcia.Tensor) else a
    e = e.detach().numpy()
    assert a.shape == e.shape, f"{what}: shape {a.shape} != torch's {e.shape}"
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol * max(1.0, np.abs(e).max()),
                               err_msg=what)


def seeded_pair(name, **kwargs):
    """The same model built by torcia and by the torch reference from the same seed."""
    torch.manual_seed(0)
    ref = REFERENCES[name](**kwargs)
    torcia.manual_seed(0)
    model = getattr(models, name)(**kwargs)
    return model, ref


@functools.lru_cache(maxsize=None)
def pair(name):
    if name in ("vgg11_bn", "alexnet"):  # 10^8 draws: slow with torcia's exact generator
        with no_draws():
            model = getattr(models, name)()
        return model, REFERENCES[name]()
    return seeded_pair(name)


# -- structure -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_state_dict_layout_and_parameter_count(name, fast_init):
    model = getattr(models, name)()
    expected = LAYOUTS[name]()
    got = shapes(model.state_dict())
    assert list(got) == list(expected)  # keys, in torchvision's order
    assert got == expected
    assert shapes(REFERENCES[name]().state_dict()) == expected  # the reference agrees
    assert sum(p.numel() for p in model.parameters()) == NUM_PARAMS[name]


@pytest.mark.parametrize("name", ["squeezenet1_1", "resnext50_32x4d", "wide_resnet50_2"])
def test_other_builders_parameter_count(name, fast_init):
    model = getattr(models, name)()
    assert sum(p.numel() for p in model.parameters()) == NUM_PARAMS[name]


def test_resnext_and_wide_layouts(fast_init):
    assert shapes(models.resnext50_32x4d().state_dict()) == resnet_layout(
        "bottleneck", [3, 4, 6, 3], groups=32, width_per_group=4)
    assert shapes(models.wide_resnet50_2().state_dict()) == resnet_layout(
        "bottleneck", [3, 4, 6, 3], width_per_group=128)


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "vgg11_bn", "mobilenet_v2",
                                  "alexnet", "squeezenet1_0"])
def test_repr_matches_torchvision_structure(name, fast_init):
    assert repr(getattr(models, name)()) == repr(REFERENCES[name]())


def test_num_classes(fast_init):
    for name in ("resnet18", "mobilenet_v2", "alexnet", "squeezenet1_0", "vgg11"):
        sd = getattr(models, name)(num_classes=10).state_dict()
        ref = REFERENCES[name](num_classes=10).state_dict()
        assert shapes(sd) == shapes(ref)


def test_mobilenet_width_mult_and_round_nearest():
    for kw in ({"width_mult": 0.5}, {"width_mult": 1.4}, {"width_mult": 0.75, "round_nearest": 1}):
        assert shapes(models.mobilenet_v2(**kw).state_dict()) == shapes(
            MobileNetV2(**kw).state_dict()), kw
    assert models.mobilenet_v2(width_mult=1.4).last_channel == 1792
    with pytest.raises(ValueError, match="inverted_residual_setting should be non-empty"):
        models.MobileNetV2(inverted_residual_setting=[[1, 16, 1]])
    with pytest.raises(ValueError, match="stride should be 1 or 2 instead of 3"):
        models.MobileNetV2(inverted_residual_setting=[[1, 16, 1, 3]])


def test_norm_layer_and_constructor_errors():
    gn = functools.partial(torcia.nn.GroupNorm, 8)
    model = models.resnet18(norm_layer=gn)
    assert isinstance(model.layer1[0].bn1, torcia.nn.GroupNorm)
    assert "bn1.running_mean" not in model.state_dict()
    assert (model.bn1.weight.detach().numpy() == 1).all()  # GroupNorm is initialised too
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1 and base_width=64"):
        models.resnet18(groups=2)
    with pytest.raises(NotImplementedError, match="Dilation > 1 not supported in BasicBlock"):
        models.resnet18(replace_stride_with_dilation=[False, False, True])
    with pytest.raises(ValueError, match="replace_stride_with_dilation should be None or a "
                                         r"3-element tuple, got \[True\]"):
        models.resnet50(replace_stride_with_dilation=[True])
    with pytest.raises(ValueError, match="Unsupported SqueezeNet version 2_0"):
        models.SqueezeNet("2_0")
    with pytest.raises(ValueError, match="The parameter 'groups' expected value 32 but got 4"):
        models.resnext50_32x4d(groups=4)


# -- values: initialisation, forward, gradients against the torch reference ----------------------


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2", "squeezenet1_0"])
def test_seeded_initialisation_is_torchvisions(name):
    """Same seed, same draws in torchvision's module order: bit-identical weights."""
    model, ref = pair(name)
    sd, rsd = model.state_dict(), ref.state_dict()
    assert list(sd) == list(rsd)
    for k in rsd:
        np.testing.assert_array_equal(sd[k].numpy(), rsd[k].numpy(), err_msg=k)


@pytest.mark.parametrize("name", ["vgg11_bn", "vgg16", "alexnet"])
def test_big_models_initialisation_draws_are_torchvisions(name, monkeypatch):
    """VGG's 10^8 draws take torcia ~15 s, so compare the sequence of draws instead (kind,
    shape, arguments): each draw matches PyTorch's bit for bit (tests/test_random.py)."""
    expected = []

    def fake(kind):
        def draw(self, *args, **kwargs):
            expected.append((kind, tuple(self.shape), args, kwargs))
            return self
        return draw
    monkeypatch.setattr(torch.Tensor, "uniform_", fake("uniform_"))
    monkeypatch.setattr(torch.Tensor, "normal_", fake("normal_"))
    REFERENCES[name]()
    got = []
    with no_draws(got):
        getattr(models, name)()
    assert len(got) == len(expected) > 0
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g == e, f"draw {i}: {g} != torch's {e}"
    if name.startswith("vgg"):
        assert expected[-1] == ("normal_", (1000, 4096), (0, 0.01), {"generator": None})


def test_zero_init_residual_and_bottleneck_init():
    model, ref = seeded_pair("resnet50", zero_init_residual=True)
    for k, v in ref.state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[k].numpy(), v.numpy(), err_msg=k)
    assert (model.layer2[1].bn3.weight.detach().numpy() == 0).all()
    weight = models.resnet18(zero_init_residual=True).layer3[0].bn2.weight
    assert (weight.detach().numpy() == 0).all()


GRAD_PARAMS = {
    "resnet18": ["conv1.weight", "bn1.weight", "layer2.0.downsample.0.weight",
                 "layer4.1.conv2.weight", "fc.weight", "fc.bias"],
    "mobilenet_v2": ["features.0.0.weight", "features.2.conv.1.0.weight",
                     "features.14.conv.2.weight", "features.18.1.bias", "classifier.1.weight"],
    "vgg11_bn": ["features.0.weight", "features.1.weight", "features.25.weight",
                 "classifier.6.weight", "classifier.6.bias"],
    "alexnet": ["features.0.weight", "features.10.bias", "classifier.6.weight"],
    "squeezenet1_0": ["features.0.weight", "features.5.expand3x3.weight", "classifier.1.bias"],
}
SIZES = {"vgg11_bn": 32, "mobilenet_v2": 32}  # the rest: 64x64 (alexnet needs 63)


def _run(model, lib, x, weight, train):
    model.train(train)
    x = lib.tensor(x, requires_grad=True)
    out = model(x)
    (out * lib.tensor(weight)).sum().backward()
    params = dict(model.named_parameters())
    return out, x.grad, params


@pytest.mark.parametrize("name", list(GRAD_PARAMS))
def test_forward_and_gradients_match_torch(name):
    model, ref = pair(name)
    copy_into(model, ref)
    for m in (model, ref):
        for p in m.parameters():
            p.grad = None
            p.requires_grad_(p.numel() < 10**7)  # spare the big linears' weight gradients
    size = SIZES.get(name, 64)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, size, size), dtype=np.float32)
    w = rng.standard_normal((2, 1000), dtype=np.float32)
    out, gx, params = _run(model, torcia, x, w, train=False)
    rout, rgx, rparams = _run(ref, torch, x, w, train=False)
    assert_close(out, rout, what="output")
    assert_close(gx, rgx, what="input grad")
    for k in GRAD_PARAMS[name]:
        assert_close(params[k].grad, rparams[k].grad, what=f"{k}.grad")


def test_train_mode_batchnorm_matches_torch():
    """Train mode: batch statistics in the forward and backward, running stats updated."""
    model, ref = seeded_pair("resnet18", num_classes=10)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3, 48, 48), dtype=np.float32)
    w = rng.standard_normal((4, 10), dtype=np.float32)
    out, gx, params = _run(model, torcia, x, w, train=True)
    rout, rgx, rparams = _run(ref, torch, x, w, train=True)
    assert_close(out, rout, what="output")
    assert_close(gx, rgx, what="input grad")
    for k in ("conv1.weight", "layer1.0.bn2.weight", "layer3.1.conv1.weight", "fc.weight"):
        assert_close(params[k].grad, rparams[k].grad, what=f"{k}.grad")
    sd, rsd = model.state_dict(), ref.state_dict()
    for k in ("bn1.running_mean", "layer2.1.bn1.running_var", "layer4.0.downsample.1.running_mean"):
        assert_close(sd[k], rsd[k], what=k)
    assert int(sd["bn1.num_batches_tracked"]) == 1


def test_dilation_matches_torch():
    kw = {"replace_stride_with_dilation": [False, True, True], "num_classes": 10}
    ref = REFERENCES["resnet50"](**kw)
    with no_draws():
        model = models.resnet50(**kw)
    copy_into(model, ref)
    assert model.layer4[0].conv2.dilation == (2, 2) and model.layer4[1].conv2.dilation == (4, 4)
    assert repr(model) == repr(ref)
    x = np.random.default_rng(2).standard_normal((1, 3, 32, 32), dtype=np.float32)
    model.eval()
    ref.eval()
    body = torch.nn.Sequential(*list(ref.children())[:-2])
    assert tuple(body(torch.tensor(x)).shape) == (1, 2048, 4, 4)  # output stride 8, not 32
    with torch.no_grad():
        assert_close(model(torcia.tensor(x)), ref(torch.tensor(x)), what="output")


# -- train / eval behaviour -----------------------------------------------------------------------


def test_train_eval_batchnorm_and_dropout():
    torcia.manual_seed(0)
    model = models.squeezenet1_0(num_classes=10)  # has Dropout, no BatchNorm
    x = torcia.randn(2, 3, 64, 64)
    model.train()
    assert all(m.training for m in model.modules())
    with torcia.no_grad():
        a, b = model(x), model(x)
    assert not np.array_equal(a.numpy(), b.numpy())  # dropout is random in training
    model.eval()
    assert not any(m.training for m in model.modules())
    with torcia.no_grad():
        a, b = model(x), model(x)
    np.testing.assert_array_equal(a.numpy(), b.numpy())

    model = models.mobilenet_v2(num_classes=10)
    bn = model.features[0][1]
    before = bn.running_mean.numpy().copy()
    model.eval()
    with torcia.no_grad():
        model(x)
    np.testing.assert_array_equal(bn.running_mean.numpy(), before)  # eval: stats untouched
    assert int(bn.num_batches_tracked) == 0
    model.train()
    with torcia.no_grad():
        model(x)
    assert not np.array_equal(bn.running_mean.numpy(), before)
    assert int(bn.num_batches_tracked) == 1


# -- checkpoints written by torch --------------------------------------------------------------


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2"])
def test_load_state_dict_saved_by_torch(name, tmp_path):
    torch.manual_seed(3)
    ref = REFERENCES[name]().eval()
    for m in ref.modules():  # non-trivial running statistics
        if isinstance(m, tnn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    path = tmp_path / f"{name}.pth"
    torch.save(ref.state_dict(), path)
    model = getattr(models, name)().eval()
    result = model.load_state_dict(torcia.load(path))
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    x = np.random.default_rng(4).standard_normal((1, 3, 64, 64), dtype=np.float32)
    with torch.no_grad(), torcia.no_grad():
        assert_close(model(torcia.tensor(x)), ref(torch.tensor(x)), what="output")


# -- the weights= / pretrained= interface ---------------------------------------------------------


def test_weights_are_refused_with_a_clear_error():
    hint = re.escape("model.load_state_dict(torcia.load(path))")
    for weights in (models.ResNet18_Weights.DEFAULT, models.ResNet18_Weights.IMAGENET1K_V1,
                    "IMAGENET1K_V1", "ResNet18_Weights.DEFAULT"):
        with pytest.raises(RuntimeError, match=f"not bundled.*{hint}") as e:
            models.resnet18(weights=weights)
        assert "resnet18-f37072fd.pth" in str(e.value)
    for builder, weights in ((models.vgg16, models.VGG16_Weights.DEFAULT),
                             (models.mobilenet_v2, models.MobileNet_V2_Weights.IMAGENET1K_V2),
                             (models.alexnet, models.AlexNet_Weights.DEFAULT),
                             (models.squeezenet1_0, models.SqueezeNet1_0_Weights.DEFAULT)):
        with pytest.raises(RuntimeError, match=hint):
            builder(weights=weights)
    with pytest.raises(KeyError):
        models.resnet18(weights="IMAGENET1K_V9")
    with pytest.raises(TypeError, match="expected ResNet18_Weights but received "
                                        "ResNet50_Weights"):
        models.resnet18(weights=models.ResNet50_Weights.DEFAULT)
    assert models.ResNet50_Weights.DEFAULT is models.ResNet50_Weights.IMAGENET1K_V2
    assert models.ResNet50_Weights.DEFAULT.meta["num_params"] == NUM_PARAMS["resnet50"]


def test_pretrained_is_deprecated_as_in_torchvision(fast_init):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = models.squeezenet1_0(pretrained=False)
    assert isinstance(model, models.SqueezeNet)
    assert [str(w.message) for w in caught] == [
        "The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, "
        "please use 'weights' instead.",
        "Arguments other than a weight enum or `None` for 'weights' are deprecated since 0.13 "
        "and may be removed in the future. The current behavior is equivalent to passing "
        "`weights=None`."]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match="not bundled"):
            models.resnet18(pretrained=True)
    assert "`weights=ResNet18_Weights.IMAGENET1K_V1`. You can also use " \
           "`weights=ResNet18_Weights.DEFAULT`" in str(caught[-1].message)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        models.squeezenet1_0(False)  # positional, as before torchvision 0.13
    assert "Using 'weights' as positional parameter(s) is deprecated" in str(caught[0].message)


def test_registry(fast_init):
    names = models.list_models()
    for name in LAYOUTS:
        assert name in names
    assert models.list_models(include="vgg1?") == ["vgg11", "vgg13", "vgg16", "vgg19"]
    assert isinstance(models.get_model("squeezenet1_0", num_classes=5), models.SqueezeNet)
    assert models.get_model_weights("resnet50") is models.ResNet50_Weights
    assert models.get_weight("ResNet50_Weights.IMAGENET1K_V1").url.endswith("0676ba61.pth")

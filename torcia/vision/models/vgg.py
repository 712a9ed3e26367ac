"""VGG 11/13/16/19, with and without batch norm, as torchvision.models.vgg: same modules,
attribute names (features.N, classifier.N), initialisation and builders."""

from ... import nn
from ..._ops.shape import flatten
from ._api import Weights, WeightsEnum, _check_no_weights, register_model
from ._utils import handle_legacy_interface

__all__ = ["VGG", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights", "VGG13_BN_Weights",
           "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights", "VGG19_BN_Weights", "vgg11",
           "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"]


class VGG(nn.Module):
    """VGG from "Very Deep Convolutional Networks for Large-Scale Image Recognition".

    Args:
        features: the convolutional part (``make_layers(cfg, batch_norm)``).
        num_classes: outputs of the last linear layer (1000).
        init_weights: kaiming-normal convolutions, N(0, 0.01) linears, zero biases.
        dropout: dropout probability of the classifier (0.5).

    Shape: (N, 3, H, W) -> (N, num_classes), H and W at least 32.
    """

    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = flatten(x, 1)
        return self.classifier(x)


def make_layers(cfg, batch_norm=False):
    """The convolutional part of a VGG: 3x3 convolutions (+ BatchNorm2d) + ReLU for each
    number in ``cfg``, a 2x2 max pool for each "M"."""
    layers = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
        else:
            conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
            if batch_norm:
                layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            else:
                layers += [conv2d, nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512,
          "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512,
          512, 512, 512, "M"],
}


def _vgg(cfg, batch_norm, weights, progress, builder, **kwargs):
    _check_no_weights(weights, builder)
    return VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs)


_URL = "https://download.pytorch.org/models/"


def _weights(file, num_params, **meta):
    return Weights(url=_URL + file, meta={"min_size": (32, 32), "num_params": num_params,
                                          **meta})


class VGG11_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("vgg11-8a719046.pth", 132863336)
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("vgg11_bn-6002323d.pth", 132868840)
    DEFAULT = IMAGENET1K_V1


class VGG13_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("vgg13-19584684.pth", 133047848)
    DEFAULT = IMAGENET1K_V1


class VGG13_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("vgg13_bn-abd245e5.pth", 133053736)
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("vgg16-397923af.pth", 138357544)
    # Only the features part, converted from the original Caffe weights (no classifier).
    IMAGENET1K_FEATURES = _weights("vgg16_features-amdegroot-88682ab5.pth", 138357544,
                                   categories=None)
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("vgg16_bn-6c64b313.pth", 138365992)
    DEFAULT = IMAGENET1K_V1


class VGG19_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("vgg19-dcbb9e9d.pth", 143667240)
    DEFAULT = IMAGENET1K_V1


class VGG19_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("vgg19_bn-c79401a0.pth", 143678248)
    DEFAULT = IMAGENET1K_V1


# Builders: ``weights`` must be None (Note [Pretrained weights] in _api.py); ``**kwargs`` go
# to VGG (num_classes, init_weights, dropout).
@register_model()
@handle_legacy_interface(weights=("pretrained", VGG11_Weights.IMAGENET1K_V1))
def vgg11(*, weights=None, progress=True, **kwargs):
    """VGG-11, configuration "A" (132.9M parameters)."""
    weights = VGG11_Weights.verify(weights)
    return _vgg("A", False, weights, progress, "vgg11", **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", VGG11_BN_Weights.IMAGENET1K_V1))
def vgg11_bn(*, weights=None, progress=True, **kwargs):
    """VGG-11 with batch normalization."""
    weights = VGG11_BN_Weights.verify(weights)
    return _vgg("A", True, weights, progress, "vgg11_bn", **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", VGG13_Weights.IMAGENET1K_V1))
def vgg13(*, weights=None, progress=True, **kwargs):
    """VGG-13, configuration "B"."""
    weights = VGG13_Weights.verify(weights)
    return _vgg("B", False, weights, progress, "vgg13", **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", VGG13_BN_Weights.IMAGENET1K_V1))
def vgg13_bn(*, weights=None, progress=True, **kwargs):
    """VGG-13 with batch normalization."""
    weights = VGG13_BN_Weights.verify(weights)
    return _vgg("B", True, weights, progress, "vgg13_bn", **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", VGG16_Weights.IMAGENET1K_V1))
def vgg16(*, weights=None, progress=True, **kwargs):
    """VGG-16, configuration "D" (138.4M parameters)."""
    weights = VGG16_Weights.verify(weights)
    return _vgg("D", False, weights, progress, "vgg16", **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", VGG16_BN_Weights.IMAGENET1K_V1))
def vgg16_bn(*, weights=None, progress=True, **kwargs):
    """VGG-16 with batch normalization."""
    weights = VGG16_BN_Weights.verify(weights)
    return _vgg("D", True, weights, progress, "vgg16_bn", **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", VGG19_Weights.IMAGENET1K_V1))
def vgg19(*, weights=None, progress=True, **kwargs):
    """VGG-19, configuration "E"."""
    weights = VGG19_Weights.verify(weights)
    return _vgg("E", False, weights, progress, "vgg19", **kwargs)


@register_model()
@handle_legacy_interface(weights=("pretrained", VGG19_BN_Weights.IMAGENET1K_V1))
def vgg19_bn(*, weights=None, progress=True, **kwargs):
    """VGG-19 with batch normalization."""
    weights = VGG19_BN_Weights.verify(weights)
    return _vgg("E", True, weights, progress, "vgg19_bn", **kwargs)

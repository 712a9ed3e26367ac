"""AlexNet, as torchvision.models.alexnet (the "one weird trick" variant): same modules,
attribute names (features.N, avgpool, classifier.N) and builder."""

from ... import nn
from ..._ops.shape import flatten
from ._api import Weights, WeightsEnum, _check_no_weights, register_model
from ._utils import handle_legacy_interface

__all__ = ["AlexNet", "AlexNet_Weights", "alexnet"]


class AlexNet(nn.Module):
    """AlexNet from "One weird trick for parallelizing convolutional neural networks".

    Args:
        num_classes: outputs of the last linear layer (1000).
        dropout: dropout probability of the classifier (0.5).

    Shape: (N, 3, H, W) -> (N, num_classes), H and W at least 63. The layers keep
    PyTorch's default initialisation.
    """

    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = flatten(x, 1)
        return self.classifier(x)


class AlexNet_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights(url="https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
                            meta={"min_size": (63, 63), "num_params": 61100840})
    DEFAULT = IMAGENET1K_V1


@register_model()
@handle_legacy_interface(weights=("pretrained", AlexNet_Weights.IMAGENET1K_V1))
def alexnet(*, weights=None, progress=True, **kwargs):
    """AlexNet (61.1M parameters). ``weights`` must be None (Note [Pretrained weights] in
    _api.py); ``**kwargs`` go to AlexNet (num_classes, dropout)."""
    weights = AlexNet_Weights.verify(weights)
    _check_no_weights(weights, "alexnet")
    return AlexNet(**kwargs)

"""torcia.vision.models, as ``torchvision.models``: model classes and builders with
torchvision's module structure, so ``state_dict()`` keys and shapes are torchvision's.

    from torcia.vision import models
    model = models.resnet18(num_classes=10)

Builders accept only ``weights=None``: pretrained weights are not bundled (see Note
[Pretrained weights] in ``_api.py``); load torchvision's from a local file with
``model.load_state_dict(torcia.load(path))``.
"""

from . import alexnet as _alexnet  # the module; the name `alexnet` becomes the builder below
from . import mobilenetv2, resnet, squeezenet, vgg
from ._api import (
    Weights,
    WeightsEnum,
    get_model,
    get_model_builder,
    get_model_weights,
    get_weight,
    list_models,
)
from .alexnet import *  # noqa: F403
from .mobilenetv2 import *  # noqa: F403
from .resnet import *  # noqa: F403
from .squeezenet import *  # noqa: F403
from .vgg import *  # noqa: F403

__all__ = (["Weights", "WeightsEnum", "get_model", "get_model_builder", "get_model_weights",
            "get_weight", "list_models"]
           + _alexnet.__all__ + mobilenetv2.__all__ + resnet.__all__ + squeezenet.__all__
           + vgg.__all__)

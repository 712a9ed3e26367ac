"""The weights API of torchvision.models: ``Weights``, ``WeightsEnum`` and the model registry
(``get_model``, ``list_models``, ``get_model_weights``, ``get_weight``).

Note [Pretrained weights]
torcia bundles no pretrained weights and downloads none: every builder accepts only
``weights=None`` (random initialisation, as torchvision's default). The ``*_Weights`` enums
exist so that code naming them (``weights=ResNet18_Weights.DEFAULT``) fails with a clear
message instead of an AttributeError; each member keeps torchvision's URL and parameter
count. Because the models have torchvision's module names, a checkpoint fetched elsewhere
loads with ``model.load_state_dict(torcia.load(path))``.
"""

import fnmatch
import sys
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Optional

__all__ = ["Weights", "WeightsEnum", "register_model", "get_model", "get_model_builder",
           "get_model_weights", "get_weight", "list_models"]


@dataclass
class Weights:
    """A set of pretrained weights: where torchvision publishes them, and their metadata.

    ``transforms`` is None: torcia does not build the inference transforms of weights it
    cannot load.
    """

    url: str
    transforms: Optional[Callable] = None
    meta: dict = field(default_factory=dict)


class WeightsEnum(Enum):
    """The pretrained weights available for one model (``DEFAULT`` names the best)."""

    @classmethod
    def verify(cls, obj):
        """``obj`` as a member of this enum: None stays None, a string is looked up."""
        if obj is not None:
            if isinstance(obj, str):
                obj = cls[obj.replace(cls.__name__ + ".", "")]
            elif not isinstance(obj, cls):
                raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but "
                                f"received {obj.__class__.__name__}.")
        return obj

    def get_state_dict(self, *args, **kwargs):
        raise RuntimeError(_no_weights_message(self))

    def __repr__(self):
        return f"{self.__class__.__name__}.{self._name_}"

    @property
    def url(self):
        return self.value.url

    @property
    def transforms(self):
        return self.value.transforms

    @property
    def meta(self):
        return self.value.meta


def _no_weights_message(weights, builder=None):
    call = f"{builder}(weights={weights!r})" if builder else repr(weights)
    url = getattr(weights, "url", None)
    where = (f" (torchvision publishes these at {url}; download the file on a machine with "
             "internet access)") if url else ""
    return (f"{call}: pretrained weights are not bundled with torcia and cannot be downloaded "
            "here (no internet access); only weights=None (random initialisation) is "
            "supported. To use torchvision's weights, build the model with weights=None and "
            f"load them from a local file: model.load_state_dict(torcia.load(path)){where}.")


def _check_no_weights(weights, builder):
    """Raise the clear error of Note [Pretrained weights] unless ``weights`` is None."""
    if weights is not None:
        raise RuntimeError(_no_weights_message(weights, builder))


BUILTIN_MODELS = {}


def register_model(name=None):
    """Decorator: list a model builder under ``name`` (its function name by default)."""
    def wrapper(fn):
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn
    return wrapper


def list_models(module=None, include=None, exclude=None):
    """The registered model names, sorted, optionally from one module and filtered by
    Unix-style patterns (``include="resnet*"``)."""
    all_models = {k for k, v in BUILTIN_MODELS.items()
                  if module is None or v.__module__.rsplit(".", 1)[0] == module.__name__}
    if include:
        models = set()
        for pattern in [include] if isinstance(include, str) else include:
            models |= set(fnmatch.filter(all_models, pattern))
    else:
        models = all_models
    if exclude:
        for pattern in [exclude] if isinstance(exclude, str) else exclude:
            models -= set(fnmatch.filter(all_models, pattern))
    return sorted(models)


def get_model_builder(name: str) -> Callable[..., Any]:
    """The builder function registered under ``name``."""
    name = name.lower()
    try:
        return BUILTIN_MODELS[name]
    except KeyError:
        raise ValueError(f"Unknown model {name}") from None


def get_model(name: str, **config: Any):
    """Build the model registered under ``name`` with the builder's keyword arguments."""
    return get_model_builder(name)(**config)


def get_model_weights(name):
    """The weights enum of a model, given its name or its builder."""
    model = get_model_builder(name) if isinstance(name, str) else name
    ann = getattr(model, "_weights_enum", None)
    if ann is None:
        raise ValueError(f"The weight enum for the specific method couldn't be retrieved: "
                         f"{model}")
    return ann


def get_weight(name: str):
    """A weights member from its full name, e.g. ``"ResNet50_Weights.IMAGENET1K_V2"``."""
    try:
        enum_name, value_name = name.split(".")
    except ValueError:
        raise ValueError(f"Invalid weight name provided: '{name}'.") from None
    models = sys.modules[__name__.rsplit(".", 1)[0]]
    enum = getattr(models, enum_name, None)
    if not (isinstance(enum, type) and issubclass(enum, WeightsEnum)):
        raise ValueError(f"The weight enum '{enum_name}' for the specific method couldn't be "
                         "retrieved.")
    return enum[value_name]

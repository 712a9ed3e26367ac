"""torcia.vision.models: torchvision's model constructors (resnet, vgg, mobilenet_v2, ...).

Not written yet: any attribute access raises NotImplementedError with this explanation.
"""


def __getattr__(name):
    if name.startswith("_"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise NotImplementedError(
        f"torcia.vision.models.{name} is not available yet: the vision models (resnet18/34/50, "
        "vgg11/16, mobilenet_v2, alexnet, squeezenet1_0) are still to be written.")

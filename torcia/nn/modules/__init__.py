"""Layer classes, one file per family as in PyTorch."""

from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .flatten import Flatten, Unflatten
from .linear import Bilinear, Identity, Linear
from .module import Module

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
           "Identity", "Linear", "Bilinear", "Flatten", "Unflatten"]

# activations, losses, dropout, embeddings, distances
from . import activation, distance, dropout, loss, sparse  # noqa: E402
from .activation import *  # noqa: E402,F401,F403
from .distance import *  # noqa: E402,F401,F403
from .dropout import *  # noqa: E402,F401,F403
from .loss import *  # noqa: E402,F401,F403
from .sparse import *  # noqa: E402,F401,F403

__all__ += (activation.__all__ + distance.__all__ + dropout.__all__ + loss.__all__ +
            sparse.__all__)

# normalization
from . import batchnorm, instancenorm, normalization  # noqa: E402
from .batchnorm import *  # noqa: E402,F401,F403
from .instancenorm import *  # noqa: E402,F401,F403
from .normalization import *  # noqa: E402,F401,F403

__all__ += batchnorm.__all__ + instancenorm.__all__ + normalization.__all__

# attention and transformers
from . import transformer  # noqa: E402
from .transformer import *  # noqa: E402,F401,F403

__all__ += transformer.__all__

# recurrent layers
from . import rnn  # noqa: E402
from .rnn import *  # noqa: E402,F401,F403

__all__ += rnn.__all__

# convolution, pooling, padding, upsampling, pixel and channel shuffle, fold
from . import channelshuffle, conv, fold, padding, pixelshuffle, pooling, upsampling  # noqa: E402
from .channelshuffle import *  # noqa: E402,F401,F403
from .conv import *  # noqa: E402,F401,F403
from .fold import *  # noqa: E402,F401,F403
from .padding import *  # noqa: E402,F401,F403
from .pixelshuffle import *  # noqa: E402,F401,F403
from .pooling import *  # noqa: E402,F401,F403
from .upsampling import *  # noqa: E402,F401,F403

__all__ += (channelshuffle.__all__ + conv.__all__ + fold.__all__ + padding.__all__ +
            pixelshuffle.__all__ + pooling.__all__ + upsampling.__all__)

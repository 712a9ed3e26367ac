"""torcia.nn: modules, parameters, functional forms and initialisations, as torch.nn."""

from . import functional, init, parallel, utils
from .modules import *  # noqa: F401,F403
from .parameter import Buffer, Parameter

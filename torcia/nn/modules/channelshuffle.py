"""ChannelShuffle: interleaves the channel groups of an (N, C, *) input."""

from .. import functional as F
from .module import Module

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    """Splits the C channels into ``groups`` groups of C / groups and interleaves them (the
    input viewed as (N, groups, C / groups, *) with its dims 1 and 2 swapped)."""

    __constants__ = ["groups"]

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"

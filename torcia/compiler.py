"""torcia.compiler: ``torch.compiler``'s entry points for code that marks what to compile.

torcia runs every op eagerly and compiles nothing, so ``compile`` returns its argument (see
``torcia._transforms``), nothing is ever being compiled or exported, and the decorators that
steer the compiler return the function they are given.
"""

from ._transforms import compile  # noqa: A004

__all__ = ["compile", "reset", "allow_in_graph", "assume_constant_result", "disable",
           "is_compiling", "is_dynamo_compiling", "is_exporting"]


def reset():
    """Clears compilation caches: there are none."""


def allow_in_graph(fn):
    """Returns ``fn``: there is no graph to allow it in."""
    return fn


def assume_constant_result(fn):
    """Returns ``fn``."""
    return fn


def disable(fn=None, recursive=True, *, reason=None):
    """Excludes ``fn`` from compilation: returns it (or, without ``fn``, a decorator that
    does), since nothing is compiled."""
    if fn is None:
        return lambda f: f
    return fn


def is_compiling():
    """False: code never runs under a compiler's tracing."""
    return False


def is_dynamo_compiling():
    """False."""
    return False


def is_exporting():
    """False."""
    return False

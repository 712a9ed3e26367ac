"""Optimizer: the base class of every optimizer, with PyTorch's param groups, state and hooks.

A subclass gives its defaults to ``__init__`` and writes its algorithm once, as a per-parameter
update (MLX's ``apply_single``): ``_init_state(p, group)`` makes a parameter's state and
``_apply_single(p, grad, state, h)`` updates the parameter's array in place, where ``h`` holds
the group's hyperparameters as ``_hyper(group)`` prepares them once per group and step. The
update works on the arrays themselves, so it never records a graph; ``step`` bumps each updated
parameter's version counter, as PyTorch's in-place ops do.

See Note [Rounding as PyTorch] for how closely the arithmetic follows PyTorch's.
"""

import functools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from copy import deepcopy
from itertools import chain

import numpy as np

from .. import _dtype
from .._ops.creation import zeros_like
from .._tensor import Tensor, wrap
from ..autograd import grad_mode
from ..autograd.graph import RemovableHandle
from ..nn.modules.module import _typename

__all__ = ["Optimizer", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook",
           "required"]

# Note [Rounding as PyTorch]
# Each update repeats PyTorch's single-tensor algorithm operation by operation, with a Python
# float as the scalar operand (NumPy then rounds it to the array's dtype, as PyTorch does), so
# float32 parameters are updated in float32 and float64 ones in float64. Two differences are
# left, both within a rounding of one operation: PyTorch's CPU kernels fuse ``a + s * b``
# (add with alpha, lerp, addcmul) into one fused multiply-add, which NumPy has no ufunc for,
# and PyTorch's vectorised sqrt is not correctly rounded (NumPy's is). Emulating the fused
# multiply-add in float64 would cost three times the step, so torcia keeps NumPy's rounding.


class _RequiredParameter:
    """Marks a hyperparameter every param group must give (``torch.optim.optimizer.required``)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class _Hooks(OrderedDict):
    """An ordered dict of hooks by handle id (weak-referenceable, for RemovableHandle)."""


_global_optimizer_pre_hooks = _Hooks()
_global_optimizer_post_hooks = _Hooks()


def _add_hook(hooks, hook, prepend=False):
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_optimizer_step_pre_hook(hook):
    """``hook(optimizer, args, kwargs)`` runs before every optimizer's step; it may return new
    ``(args, kwargs)``."""
    return _add_hook(_global_optimizer_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """``hook(optimizer, args, kwargs)`` runs after every optimizer's step."""
    return _add_hook(_global_optimizer_post_hooks, hook)


def _to_float(x):
    """A hyperparameter as a Python float (a 1-element tensor gives its value)."""
    return float(x) if isinstance(x, Tensor) else x


def _scalar_dtype():
    """The dtype of ``state['step']``: float64 when that is the default dtype, else float32."""
    return _dtype.float64 if _dtype.get_default_dtype() is _dtype.float64 else _dtype.float32


def _step_tensor(value=0.0):
    """A new 0-dim step counter on the CPU, as PyTorch keeps it."""
    return wrap(np.array(value, dtype=_scalar_dtype().np))


def _zeros_like(p):
    """A state tensor for ``p``: zeros of its shape, dtype and strides."""
    return zeros_like(p)


def _real(arr):
    """``view_as_real`` of a complex array (a last axis of 2 added), else the array itself."""
    if arr.dtype.kind == "c":
        return arr[..., None].view(arr.real.dtype)  # any strides, as torch.view_as_real
    return arr


def _check_step_args(group, p, grad):
    """PyTorch's errors for capturable and differentiable steps torcia cannot make."""
    if group.get("capturable") and p._device.type == "cpu":
        raise AssertionError("If capturable=True, params and state_steps must be on supported "
                             "devices: ['cuda', 'xpu', 'hpu', 'privateuseone', 'xla'].")
    if group.get("differentiable"):  # PyTorch steps with grad mode on then
        if p.requires_grad and p.is_leaf:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        if p.requires_grad or grad.requires_grad:
            raise NotImplementedError("torcia's optimizers update arrays in place and do not "
                                      "record the step for autograd: differentiable=True works "
                                      "only where nothing requires grad")


# -- the arithmetic PyTorch's updates share, on arrays, writing into their first operand -----
def _lerp(m, end, weight, tmp):
    """``m.lerp_(end, weight)`` for a Python float weight, with PyTorch's two formulas."""
    np.subtract(end, m, out=tmp)
    if abs(weight) < 0.5:
        tmp *= weight
        m += tmp
    else:  # end + (weight - 1) * (end - m), (weight - 1) taken in m's precision
        tmp *= m.dtype.type(weight) - 1
        np.add(end, tmp, out=m)


def _addcmul(v, a, b, value, tmp):
    """``v.addcmul_(a, b, value=value)``: v + value * a * b."""
    np.multiply(a, value, out=tmp)
    tmp *= b
    v += tmp


def _addcdiv(p, a, b, value, tmp):
    """``p.addcdiv_(a, b, value=value)``: p + value * a / b."""
    np.multiply(a, value, out=tmp)
    tmp /= b
    p += tmp


def _add_scaled(a, b, alpha, out, tmp):
    """``a.add(b, alpha=alpha)`` written into ``out`` (which may be ``a``)."""
    np.multiply(b, alpha, out=tmp)
    return np.add(a, tmp, out=out)


class Optimizer:
    """Base class for all optimizers.

    Args:
        params (iterable): tensors, ``(name, tensor)`` pairs, or dicts defining parameter
            groups (each with a ``"params"`` entry and any hyperparameters it overrides).
        defaults (dict): the default hyperparameters of every group.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = _Hooks()
        self._optimizer_step_post_hooks = _Hooks()
        self._optimizer_state_dict_pre_hooks = _Hooks()
        self._optimizer_state_dict_post_hooks = _Hooks()
        self._optimizer_load_state_dict_pre_hooks = _Hooks()
        self._optimizer_load_state_dict_post_hooks = _Hooks()
        self._patch_step_function()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)
        self._warned_capturable_if_run_uncaptured = True

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, _Hooks())
        self._patch_step_function()
        self.defaults.setdefault("differentiable", False)
        # Checkpoints of older versions lack newer group keys, and may hold 'step' as a number.
        for group in self.param_groups:
            for key, value in self._group_fallbacks.items():
                group.setdefault(key, value)
        for s in self.state.values():
            for key in self._tensor_state:
                if key in s and not isinstance(s[key], Tensor):
                    s[key] = _step_tensor(float(s[key]))

    _group_fallbacks = {}  # group keys an old checkpoint may lack, with PyTorch's values
    _tensor_state = ()  # state keys PyTorch keeps as 0-dim tensors ('step')

    def __repr__(self):
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # -- step and its hooks ----------------------------------------------------------------
    @staticmethod
    def profile_hook_step(func):
        """Wrap a ``step`` so the step pre- and post-hooks run around it."""
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            self = args[0]
            for pre_hook in chain(_global_optimizer_pre_hooks.values(),
                                  self._optimizer_step_pre_hooks.values()):
                result = pre_hook(self, args, kwargs)
                if result is not None:
                    if isinstance(result, tuple) and len(result) == 2:
                        args, kwargs = result
                    else:
                        raise RuntimeError(f"{func} must return None or a tuple of (new_args, "
                                           f"new_kwargs), but got {result}.")
            out = func(*args, **kwargs)
            self._optimizer_step_code()
            for post_hook in chain(self._optimizer_step_post_hooks.values(),
                                   _global_optimizer_post_hooks.values()):
                post_hook(self, args, kwargs)
            return out
        return wrapper

    def _optimizer_step_code(self):
        """Runs after every step (a place for profilers to hook into)."""

    def _patch_step_function(self):
        cls = self.__class__
        if not getattr(cls.step, "hooked", None):
            cls.step = self.profile_hook_step(cls.step)
            cls.step.hooked = True

    def register_step_pre_hook(self, hook):
        """``hook(optimizer, args, kwargs)`` runs before ``step``; it may return new
        ``(args, kwargs)``."""
        return _add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """``hook(optimizer, args, kwargs)`` runs after ``step``."""
        return _add_hook(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        return _add_hook(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    def step(self, closure=None):
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the
        loss (it runs with gradients enabled), which ``step`` returns."""
        if type(self)._apply_single is Optimizer._apply_single:
            raise NotImplementedError
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        states = self.state
        for group in self.param_groups:
            h = None
            check = group.get("capturable") or group.get("differentiable")
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if h is None:
                    h = self._hyper(group)
                if check:
                    _check_step_args(group, p, grad)
                state = states.get(p)
                if not state:
                    init = self._init_state(p, group)
                    if init is not None:
                        state = states[p]
                        state.update(init)
                self._apply_single(p, grad, state, h)
                p._vc[0] += 1
        return loss

    # What a subclass defines (see the module docstring).
    def _hyper(self, group):
        return group

    def _init_state(self, p, group):
        return {}

    def _apply_single(self, p, grad, state, h):
        raise NotImplementedError

    def _grad(self, param, g, maximize, weight_decay):
        """The gradient an update uses: negated to maximize, plus ``weight_decay * param``
        (in scratch array 0 when it differs from ``g``)."""
        if maximize:
            g = np.negative(g, out=self._scratch(param))
        if weight_decay != 0:
            g = _add_scaled(g, param, weight_decay, self._scratch(param), self._scratch(param, 1))
        return g

    def _scratch(self, arr, i=0):
        """Scratch array ``i`` shaped and typed as ``arr``: a view of one flat buffer per
        (dtype, i), as long as the largest parameter, kept between steps (so a step allocates
        nothing, and the scratch memory is a few times the largest parameter, not the model)."""
        views = self.__dict__.get("_scratch_views")
        if views is None:
            views = self.__dict__["_scratch_views"] = {}
            self.__dict__["_scratch_flat"] = {}
        out = views.get((arr.shape, arr.dtype, i))
        if out is None:
            flats, n = self.__dict__["_scratch_flat"], arr.size
            flat = flats.get((arr.dtype, i))
            if flat is None or flat.size < n:
                flat = flats[arr.dtype, i] = np.empty_like(arr, shape=(n,))  # NumPy or CuPy
                for key in [k for k in views if k[1:] == (arr.dtype, i)]:
                    del views[key]  # views of the old, smaller buffer
            out = views[arr.shape, arr.dtype, i] = flat[:n].reshape(arr.shape)
        return out

    # -- gradients -------------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized tensors: to None (default), or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        if g.grad_fn is not None:
                            g.detach_()
                        else:
                            g.requires_grad_(False)
                        g.zero_()

    # -- param groups ----------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a param group (a dict with ``"params"``) to ``param_groups``; hyperparameters it
        does not give take the optimizer's defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)
        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            param_group["param_names"] = names
        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not self.defaults.get("differentiable", None) and not (param.is_leaf
                                                                     or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = {id(p) for p in tensors}
        if len(ids) != len(tensors):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # -- state dict ------------------------------------------------------------------------
    def state_dict(self):
        """The optimizer's state in PyTorch's format: ``{"state": {index: {...}},
        "param_groups": [{..., "params": [indices]}]}``, parameters numbered in group order.
        Tensors in it are the optimizer's own (not copies)."""
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            start = len(index)
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v
                 for k, v in self.state.items()}
        state_dict = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    @staticmethod
    def _process_value_according_to_param_policy(param, value, param_id, param_groups,
                                                 key=None):
        """A loaded state tensor moved to the parameter's device, and cast to its dtype when
        both are floating point ('step' keeps its dtype unless the group is fused or
        capturable, which keep it float32)."""
        fused = capturable = False
        for pg in param_groups:
            if param_id in pg["params"]:
                fused = pg.get("fused", False)
                capturable = pg.get("capturable", False)
                break
        if key == "step":
            if capturable or fused:
                return value.to(dtype=_dtype.float32, device=param.device)
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)

    def load_state_dict(self, state_dict):
        """Load a state dict made by ``state_dict()`` (torcia's or PyTorch's format, tensors
        being torcia tensors); its tensors are used, not copied, where dtype and device fit."""
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param, value, param_id, key=None):
            if isinstance(value, Tensor):
                return Optimizer._process_value_according_to_param_policy(
                    param, value, param_id, state_dict["param_groups"], key)
            if isinstance(value, dict):
                return {k: cast(param, v, param_id, k) for k, v in value.items()}
            if isinstance(value, Iterable) and not isinstance(value, str):
                return type(value)(cast(param, v, param_id) for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = cast(param, v, k)
            else:
                state[k] = v
        for group, new in zip(groups, saved_groups):
            new["params"] = group["params"]
            if "param_names" in group and "param_names" not in new:
                new["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

"""A pickle reader that builds only what an allow-list names: ``torcia.load``'s default.

Python's pickle runs any callable a file names, so a checkpoint can run code on load. This
reader interprets the pickle opcodes itself (PyTorch's ``weights_only`` rule):

- ``GLOBAL`` resolves a name only through the allow-list it is given (torch's tensor-rebuild
  functions, storage types, dtypes, ``OrderedDict``...) or through the user's additions
  (:func:`add_safe_globals`, :class:`safe_globals`); it never imports anything. A name from
  ``os``, ``sys``, ``posix`` or ``nt`` is refused even when added.
- ``REDUCE``/``NEWOBJ`` call only allowed callables; ``BUILD`` sets state only on
  ``OrderedDict``, ``Parameter`` and user-allowed types; ``APPEND``/``SETITEM``/``ADDITEMS``
  only fill plain lists, dicts and sets; a persistent id must name a storage.
- Anything else (``INST``, ``OBJ``, ``EXT*``, out-of-band buffers) is refused.

Every refusal raises :class:`pickle.UnpicklingError` before anything runs.
"""

import _compat_pickle
import codecs
import pickle
import struct
from collections import Counter, OrderedDict
from pickle import UnpicklingError

__all__ = ["Unpickler", "add_safe_globals", "clear_safe_globals", "get_safe_globals",
           "safe_globals", "global_name"]

BLOCKED_MODULES = ("sys", "os", "posix", "nt")

_user_globals = set()  # objects, or (object, "module.name") pairs


def add_safe_globals(safe_globals):
    """Mark globals as safe for ``weights_only`` loading: classes or functions, or
    ``(obj, "module.qualname")`` pairs for objects saved under another name.

    Example::

        >>> torcia.serialization.add_safe_globals([MyConfig])
        >>> torcia.load("ckpt.pt")  # may now build MyConfig instances
    """
    _user_globals.update(safe_globals)


def get_safe_globals():
    """The globals added with :func:`add_safe_globals`."""
    return list(_user_globals)


def clear_safe_globals():
    """Forget every global added with :func:`add_safe_globals`."""
    _user_globals.clear()


class safe_globals:
    """Context manager: the given globals are safe for ``weights_only`` loading within it."""

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        self._added = [g for g in self.safe_globals if g not in _user_globals]
        _user_globals.update(self._added)

    def __exit__(self, *exc):
        _user_globals.difference_update(self._added)
        return False


def global_name(obj):
    """``module.qualname`` of a class or function, as a pickle names it."""
    return f"{obj.__module__}.{obj.__qualname__}"


def _user_allowed():
    """Name -> object for the user's safe globals. A torcia object is also found under its
    torch name (``torcia.nn.modules.linear.Linear`` as ``torch.nn.modules.linear.Linear``)."""
    out = {}
    for g in _user_globals:
        if isinstance(g, tuple):
            if len(g) != 2:
                raise ValueError(f"Expected tuple of length 2 (global, str of callable full "
                                 f"path), but got tuple of length: {len(g)}")
            if type(g[1]) is not str:
                raise TypeError(f"Expected second item in tuple to be str of callable full "
                                f"path, but got: {type(g[1])}")
            out[g[1]] = g[0]
            continue
        name = global_name(g)
        out[name] = g
        if name.startswith("torcia."):
            out["torch." + name[len("torcia."):]] = g
    return out


def _compat_name(module, name):
    """Python 2 names (``__builtin__.set``) as Python 3 spells them, as pickle maps them."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _unsupported_global(full):
    shown = full[len("builtins."):] if full.startswith("builtins.") else full
    return UnpicklingError(
        f"Unsupported global: GLOBAL {shown} was not an allowed global by default. Please use "
        f"`torcia.serialization.add_safe_globals([{shown}])` or the "
        f"`torcia.serialization.safe_globals([{shown}])` context manager to allowlist this "
        "global if you trust this class/function.")


class _Stop(Exception):
    pass


class Unpickler:
    """Reads one pickle from ``file``, building only allowed objects.

    Args:
        file: a binary file with ``read`` and ``readline``.
        allowed (dict): ``"module.name"`` -> object, the default allow-list.
        persistent_load: called with each persistent id (a tuple naming a storage).
        builders (dict): type -> ``fn(inst, state)`` for types whose instances ``BUILD`` may
            set state on, besides ``OrderedDict`` and the user's safe globals.
        new_fns (dict): class -> function used for ``NEWOBJ`` instead of ``cls.__new__``.
        encoding (str): how Python 2 ``str`` objects are decoded ('bytes' keeps bytes).
    """

    def __init__(self, file, allowed, persistent_load=None, builders=None, new_fns=None,
                 encoding="ASCII", errors="strict"):
        self._read = file.read
        self._readline = file.readline
        self.allowed = allowed
        self.user = _user_allowed()
        self._callable_ids = ({id(v) for v in allowed.values()}
                              | {id(v) for v in self.user.values()})
        self._user_types = tuple(v for v in self.user.values() if isinstance(v, type))
        self.persistent_load = persistent_load
        self.builders = builders or {}
        self.new_fns = new_fns or {}
        self.encoding, self.errors = encoding, errors
        self.memo = {}
        self.proto = 0

    # -- reading -----------------------------------------------------------------------------
    def read(self, n):
        data = self._read(n)
        if len(data) != n:
            raise UnpicklingError("pickle data was truncated")
        return data

    def readline(self):
        line = self._readline()
        if not line.endswith(b"\n"):
            raise UnpicklingError("pickle data was truncated")
        return line[:-1]

    def load(self):
        self.stack, self.metastack = [], []
        ops = _OPS
        try:
            while True:
                key = self._read(1)
                if not key:
                    raise UnpicklingError("pickle data was truncated")
                op = ops.get(key[0])
                if op is None:
                    raise UnpicklingError(f"Unsupported operand {key[0]} ({key!r}): this "
                                          "pickle opcode is not allowed when loading weights")
                op(self)
        except _Stop:
            return self.stack.pop()
        except IndexError:  # popping an empty stack: a malformed pickle
            raise UnpicklingError("malformed pickle: unexpected stack state") from None

    def pop_mark(self):
        items = self.stack
        if not self.metastack:
            raise UnpicklingError("could not find MARK")
        self.stack = self.metastack.pop()
        return items

    # -- checks ------------------------------------------------------------------------------
    def find_global(self, module, name):
        module, name = _compat_name(module, name)
        full = f"{module}.{name}"
        if module in BLOCKED_MODULES or module.split(".")[0] in BLOCKED_MODULES:
            raise UnpicklingError(f"Trying to load unsupported GLOBAL {full} whose module "
                                  f"{module} is blocked.")
        if full in self.allowed:
            return self.allowed[full]
        if full in self.user:
            return self.user[full]
        raise _unsupported_global(full)

    def check_callable(self, func, what):
        if id(func) not in self._callable_ids:
            msg = f"Trying to {what} unrecognized function {func!r}"
            if hasattr(func, "__self__"):
                msg += f" which belongs to {func.__self__!r}"
            raise UnpicklingError(msg)

    def build(self, inst, state):
        setter = self.builders.get(type(inst))
        if setter is not None:
            setter(inst, state)
        elif type(inst) is OrderedDict:
            inst.__dict__.update(state)
        elif self._user_types and type(inst) in self._user_types:
            if hasattr(inst, "__setstate__"):
                inst.__setstate__(state)
                return
            slots = None
            if isinstance(state, tuple) and len(state) == 2:
                state, slots = state
            if state:
                inst.__dict__.update(state)
            for k, v in (slots or {}).items():
                setattr(inst, k, v)
        else:
            raise UnpicklingError("Can only build Tensor, Parameter, OrderedDict or types "
                                  f"allowlisted via `add_safe_globals`, but got {type(inst)}")


def _op(code):
    def register(fn):
        _OPS[code[0]] = fn
        return fn
    return register


_OPS = {}


def _push(value):
    return lambda u: u.stack.append(value)


for _code, _value in ((pickle.NONE, None), (pickle.NEWTRUE, True), (pickle.NEWFALSE, False)):
    _OPS[_code[0]] = _push(_value)
_OPS[pickle.EMPTY_TUPLE[0]] = _push(())


@_op(pickle.PROTO)
def _proto(u):
    u.proto = u.read(1)[0]
    if u.proto > pickle.HIGHEST_PROTOCOL:
        raise UnpicklingError(f"unsupported pickle protocol: {u.proto}")


@_op(pickle.FRAME)
def _frame(u):
    u.read(8)  # frames only group opcodes; reading through them is the same


@_op(pickle.STOP)
def _stop(u):
    raise _Stop


@_op(pickle.MARK)
def _mark(u):
    u.metastack.append(u.stack)
    u.stack = []


@_op(pickle.POP)
def _pop(u):
    if u.stack:
        u.stack.pop()
    else:
        u.pop_mark()


@_op(pickle.POP_MARK)
def _pop_mark(u):
    u.pop_mark()


@_op(pickle.DUP)
def _dup(u):
    u.stack.append(u.stack[-1])


# -- numbers ---------------------------------------------------------------------------------
@_op(pickle.BININT)
def _binint(u):
    u.stack.append(struct.unpack("<i", u.read(4))[0])


@_op(pickle.BININT1)
def _binint1(u):
    u.stack.append(u.read(1)[0])


@_op(pickle.BININT2)
def _binint2(u):
    u.stack.append(struct.unpack("<H", u.read(2))[0])


@_op(pickle.LONG1)
def _long1(u):
    u.stack.append(pickle.decode_long(u.read(u.read(1)[0])))


@_op(pickle.LONG4)
def _long4(u):
    n = struct.unpack("<i", u.read(4))[0]
    if n < 0:
        raise UnpicklingError("LONG pickle has negative byte count")
    u.stack.append(pickle.decode_long(u.read(n)))


@_op(pickle.INT)
def _int(u):
    data = u.readline()
    if data == b"00":
        u.stack.append(False)
    elif data == b"01":
        u.stack.append(True)
    else:
        u.stack.append(int(data, 0))


@_op(pickle.LONG)
def _long(u):
    u.stack.append(int(u.readline().rstrip(b"L"), 0))


@_op(pickle.BINFLOAT)
def _binfloat(u):
    u.stack.append(struct.unpack(">d", u.read(8))[0])


@_op(pickle.FLOAT)
def _float(u):
    u.stack.append(float(u.readline()))


# -- strings and bytes -----------------------------------------------------------------------
def _unicode(size_fmt):
    def load(u):
        n = struct.unpack(size_fmt, u.read(struct.calcsize(size_fmt)))[0]
        u.stack.append(str(u.read(n), "utf-8", "surrogatepass"))
    return load


_OPS[pickle.BINUNICODE[0]] = _unicode("<I")
_OPS[pickle.SHORT_BINUNICODE[0]] = _unicode("<B")
_OPS[pickle.BINUNICODE8[0]] = _unicode("<Q")


@_op(pickle.UNICODE)
def _text_unicode(u):
    u.stack.append(str(u.readline(), "raw-unicode-escape"))


def _bytes(size_fmt, kind=bytes):
    def load(u):
        n = struct.unpack(size_fmt, u.read(struct.calcsize(size_fmt)))[0]
        u.stack.append(kind(u.read(n)))
    return load


_OPS[pickle.SHORT_BINBYTES[0]] = _bytes("<B")
_OPS[pickle.BINBYTES[0]] = _bytes("<I")
_OPS[pickle.BINBYTES8[0]] = _bytes("<Q")
_OPS[pickle.BYTEARRAY8[0]] = _bytes("<Q", bytearray)


def _py2_string(u, data):
    u.stack.append(data if u.encoding == "bytes" else data.decode(u.encoding, u.errors))


@_op(pickle.SHORT_BINSTRING)
def _short_binstring(u):
    _py2_string(u, u.read(u.read(1)[0]))


@_op(pickle.BINSTRING)
def _binstring(u):
    n = struct.unpack("<i", u.read(4))[0]
    if n < 0:
        raise UnpicklingError("BINSTRING pickle has negative byte count")
    _py2_string(u, u.read(n))


@_op(pickle.STRING)
def _string(u):
    data = u.readline()
    if len(data) < 2 or data[0] != data[-1] or data[:1] not in (b'"', b"'"):
        raise UnpicklingError("the STRING opcode argument must be quoted")
    _py2_string(u, codecs.escape_decode(data[1:-1])[0])


# -- containers ------------------------------------------------------------------------------
@_op(pickle.TUPLE)
def _tuple(u):
    items = u.pop_mark()  # (before naming u.stack: popping the mark rebinds it)
    u.stack.append(tuple(items))


@_op(pickle.TUPLE1)
def _tuple1(u):
    u.stack[-1] = (u.stack[-1],)


@_op(pickle.TUPLE2)
def _tuple2(u):
    u.stack[-2:] = [(u.stack[-2], u.stack[-1])]


@_op(pickle.TUPLE3)
def _tuple3(u):
    u.stack[-3:] = [(u.stack[-3], u.stack[-2], u.stack[-1])]


@_op(pickle.EMPTY_LIST)
def _empty_list(u):
    u.stack.append([])


@_op(pickle.LIST)
def _list(u):
    items = u.pop_mark()
    u.stack.append(items)


@_op(pickle.EMPTY_DICT)
def _empty_dict(u):
    u.stack.append({})


@_op(pickle.DICT)
def _dict(u):
    items = u.pop_mark()
    u.stack.append({items[i]: items[i + 1] for i in range(0, len(items) - 1, 2)})


@_op(pickle.EMPTY_SET)
def _empty_set(u):
    u.stack.append(set())


@_op(pickle.FROZENSET)
def _frozenset(u):
    items = u.pop_mark()
    u.stack.append(frozenset(items))


def _target(u, kinds, what):
    target = u.stack[-1]
    if type(target) not in kinds:
        raise UnpicklingError(f"Can only {what}, but got {type(target)}")
    return target


@_op(pickle.APPEND)
def _append(u):
    item = u.stack.pop()
    _target(u, (list,), "append to lists").append(item)


@_op(pickle.APPENDS)
def _appends(u):
    items = u.pop_mark()
    _target(u, (list,), "extend lists").extend(items)


_DICTS = (dict, OrderedDict, Counter)


@_op(pickle.SETITEM)
def _setitem(u):
    value, key = u.stack.pop(), u.stack.pop()
    _target(u, _DICTS, "SETITEM for dict, collections.OrderedDict, collections.Counter")[key] = \
        value


@_op(pickle.SETITEMS)
def _setitems(u):
    items = u.pop_mark()
    d = _target(u, _DICTS, "SETITEMS for dict, collections.OrderedDict, collections.Counter")
    for i in range(0, len(items) - 1, 2):
        d[items[i]] = items[i + 1]


@_op(pickle.ADDITEMS)
def _additems(u):
    items = u.pop_mark()
    _target(u, (set,), "add items to sets").update(items)


# -- memo ------------------------------------------------------------------------------------
def _get(u, idx):
    try:
        u.stack.append(u.memo[idx])
    except KeyError:
        raise UnpicklingError(f"Memo value not found at index {idx}") from None


def _put(u, idx):
    if idx < 0:
        raise ValueError("negative PUT argument")
    u.memo[idx] = u.stack[-1]


_OPS[pickle.GET[0]] = lambda u: _get(u, int(u.readline()))
_OPS[pickle.BINGET[0]] = lambda u: _get(u, u.read(1)[0])
_OPS[pickle.LONG_BINGET[0]] = lambda u: _get(u, struct.unpack("<I", u.read(4))[0])
_OPS[pickle.PUT[0]] = lambda u: _put(u, int(u.readline()))
_OPS[pickle.BINPUT[0]] = lambda u: _put(u, u.read(1)[0])
_OPS[pickle.LONG_BINPUT[0]] = lambda u: _put(u, struct.unpack("<I", u.read(4))[0])
_OPS[pickle.MEMOIZE[0]] = lambda u: _put(u, len(u.memo))


# -- the risky ones, each checked --------------------------------------------------------------
@_op(pickle.GLOBAL)
def _global(u):
    module = u.readline().decode("utf-8")
    name = u.readline().decode("utf-8")
    u.stack.append(u.find_global(module, name))


@_op(pickle.STACK_GLOBAL)
def _stack_global(u):
    name, module = u.stack.pop(), u.stack.pop()
    if type(name) is not str or type(module) is not str:
        raise UnpicklingError("STACK_GLOBAL requires str")
    u.stack.append(u.find_global(module, name))


@_op(pickle.REDUCE)
def _reduce(u):
    args = u.stack.pop()
    func = u.stack[-1]
    u.check_callable(func, "call reduce for")
    if type(args) is not tuple:
        raise UnpicklingError("REDUCE arguments must be a tuple")
    u.stack[-1] = func(*args)


def _new(u, cls, args, kwargs):
    if not isinstance(cls, type):
        raise UnpicklingError(f"NEWOBJ expects a class, got {cls!r}")
    u.check_callable(cls, "create a new object of")
    if type(args) is not tuple or type(kwargs) is not dict:
        raise UnpicklingError("NEWOBJ arguments must be a tuple (and a dict)")
    fn = u.new_fns.get(cls)
    u.stack.append(fn(*args, **kwargs) if fn is not None else cls.__new__(cls, *args, **kwargs))


@_op(pickle.NEWOBJ)
def _newobj(u):
    args = u.stack.pop()
    _new(u, u.stack.pop(), args, {})


@_op(pickle.NEWOBJ_EX)
def _newobj_ex(u):
    kwargs, args = u.stack.pop(), u.stack.pop()
    _new(u, u.stack.pop(), args, kwargs)


@_op(pickle.BUILD)
def _build(u):
    state = u.stack.pop()
    u.build(u.stack[-1], state)


def _persistent(u, pid):
    if u.persistent_load is None:
        raise UnpicklingError("A load persistent id instruction was encountered, but no "
                              "persistent_load function was specified.")
    u.stack.append(u.persistent_load(pid))


@_op(pickle.BINPERSID)
def _binpersid(u):
    pid = u.stack.pop()
    if type(pid) is not tuple and type(pid) is not int:
        raise UnpicklingError(f"persistent_load id must be tuple or int, but got {type(pid)}")
    _persistent(u, pid)


@_op(pickle.PERSID)
def _persid(u):
    _persistent(u, u.readline().decode("ascii"))

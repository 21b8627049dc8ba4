"""Pickle streams read without loading them: every global they would import, checked against an allow-list.

Unpickling runs code by design: GLOBAL, STACK_GLOBAL and INST import any callable, REDUCE calls it. The
opcodes are walked with the standard library's pickletools and the stack is followed just far enough to
know the module and name each import uses (STACK_GLOBAL takes them from the stack, where a payload
may build them from memo entries, DUPs and POPs). An import not on the allow-list, a name only known when
the pickle runs, or an extension-registry code is a finding; so is a stream pickletools cannot read,
which a lenient unpickler might still run. Allowing what is known safe, not denying what is known bad:
a deny-list of os.system, eval and friends is bypassed by the next gadget nobody listed.
"""

from __future__ import annotations

import _compat_pickle
import pickletools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

# Exactly what torch.load(weights_only=True) itself accepts (torch/_weights_only_unpickler.py), and what
# numpy arrays reduce to: tensors, storages, dtypes, parameters and plain containers.
_TENSOR_TYPES = ("BFloat16", "Bool", "Byte", "Char", "Double", "Float", "Half", "Int", "Long", "Short")
_STORAGE_TYPES = (
    *_TENSOR_TYPES,
    "ComplexDouble",
    "ComplexFloat",
    "QInt32",
    "QInt8",
    "QUInt2x4",
    "QUInt4x2",
    "QUInt8",
)
_DTYPES = (
    "bfloat16",
    "bits16",
    "bits1x8",
    "bits2x4",
    "bits4x2",
    "bits8",
    "bool",
    "complex128",
    "complex32",
    "complex64",
    "float16",
    "float32",
    "float4_e2m1fn_x2",
    "float64",
    "float8_e4m3fn",
    "float8_e4m3fnuz",
    "float8_e5m2",
    "float8_e5m2fnuz",
    "float8_e8m0fnu",
    "int1",
    "int2",
    "int3",
    "int4",
    "int5",
    "int6",
    "int7",
    "int8",
    "int16",
    "int32",
    "int64",
    "qint32",
    "qint8",
    "quint2x4",
    "quint4x2",
    "quint8",
    "uint1",
    "uint2",
    "uint3",
    "uint4",
    "uint5",
    "uint6",
    "uint7",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "per_channel_affine",
    "per_channel_affine_float_qparams",
    "per_channel_symmetric",
    "per_tensor_affine",
    "per_tensor_symmetric",
)
_REBUILDERS = (
    "_rebuild_device_tensor_from_cpu_tensor",
    "_rebuild_device_tensor_from_numpy",
    "_rebuild_meta_tensor_no_storage",
    "_rebuild_nested_tensor",
    "_rebuild_parameter",
    "_rebuild_parameter_with_state",
    "_rebuild_qtensor",
    "_rebuild_sparse_tensor",
    "_rebuild_tensor",
    "_rebuild_tensor_v2",
    "_rebuild_tensor_v3",
    "_rebuild_wrapper_subclass",
)
_CONTAINERS = ("set", "frozenset", "bytearray", "complex", "slice")
SAFE_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    [
        ("collections", "OrderedDict"),
        ("collections", "Counter"),
        *(("builtins", name) for name in _CONTAINERS),
        ("_codecs", "encode"),  # how protocol 2 pickles bytes
        ("torch", "Size"),
        ("torch", "Tensor"),
        ("torch", "device"),
        ("torch._tensor", "_rebuild_from_type_v2"),  # calls a function that is itself a checked global
        ("torch.nn.parameter", "Parameter"),
        ("torch.serialization", "_get_layout"),
        ("torch.storage", "TypedStorage"),
        ("torch.storage", "UntypedStorage"),
        *(("torch._utils", name) for name in _REBUILDERS),
        *(("torch", name) for name in _DTYPES),
        *((module, f"{kind}Storage") for module in ("torch", "torch.cuda") for kind in _STORAGE_TYPES),
        *(
            (module, f"{kind}Tensor")
            for module in ("torch", "torch.cuda", "torch.sparse", "torch.cuda.sparse")
            for kind in _TENSOR_TYPES
        ),
        *(
            (f"{package}.multiarray", name)
            for package in ("numpy.core", "numpy._core")
            for name in ("_reconstruct", "scalar")
        ),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        *(
            ("numpy.dtypes", f"{kind}DType")
            for kind in (
                "Float16",
                "Float32",
                "Float64",
                "Int8",
                "Int16",
                "Int32",
                "Int64",
                "UInt8",
                "UInt16",
                "UInt32",
                "UInt64",
                "Bool",
            )
        ),
    ]
)

_STRING_OPS = frozenset(
    ("STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8")
)
_GETS = frozenset(("GET", "BINGET", "LONG_BINGET"))
_PUTS = frozenset(("PUT", "BINPUT", "LONG_BINPUT"))
_EXTENSIONS = frozenset(("EXT1", "EXT2", "EXT4"))
PROTO = 0x80


@dataclass(frozen=True)
class PickleImport:
    """One import a pickle would make when loaded; ``module``/``name`` are None when not known statically."""

    offset: int
    opcode: str
    module: str | None
    name: str | None

    @property
    def qualified(self) -> str:
        if self.module is None or self.name is None:
            return f"<computed at load time by {self.opcode}>"
        return f"{self.module}.{self.name}"


class Unreadable(Exception):
    """Not a pickle stream pickletools can walk to its end; the offset where it stopped making sense."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(f"{reason} at byte {offset}")
        self.offset = offset


class _Mark:
    """What MARK pushes: the slice above it is what the next slice opcode takes."""


_MARK = _Mark()
_UNKNOWN = object()  # any value not a string known without running the pickle


def _imports_of_one(
    ops: Iterable[tuple[pickletools.OpcodeInfo, Any, int | None]],
) -> Iterator[PickleImport]:
    """The imports of one pickle (up to its STOP), following the stack only as far as strings go."""
    stack: list[object] = []
    memo: dict[int, object] = {}
    protocol = 0  # a pickle without PROTO is protocol 0 or 1
    for op, arg, position in ops:
        offset = position or 0
        name = op.name
        try:
            if name == "MARK":
                stack.append(_MARK)
                continue
            if name in _STRING_OPS:
                stack.append(arg.decode("latin-1") if isinstance(arg, bytes) else arg)
                continue
            if name in _GETS:
                if arg not in memo:
                    raise Unreadable(f"{name} of memo entry {arg} that was never stored", offset)
                stack.append(memo[arg])
                continue
            if name in _PUTS:
                memo[arg] = stack[-1]
                continue
            if name == "MEMOIZE":
                memo[len(memo)] = stack[-1]
                continue
            if name == "DUP":
                stack.append(stack[-1])
                continue
            if name == "PROTO":
                protocol = arg
            elif name in ("GLOBAL", "INST"):
                module, _, attribute = str(arg).partition(" ")
                yield PickleImport(offset, name, *_python3_names(module, attribute, protocol))
            elif name == "STACK_GLOBAL":
                top, below = stack[-1], stack[-2]
                if isinstance(below, str) and isinstance(top, str):
                    yield PickleImport(offset, name, *_python3_names(below, top, protocol))
                else:  # built at load time (a REDUCE's result, bytes): what it imports is not known
                    yield PickleImport(offset, name, None, None)
            elif name in _EXTENSIONS:
                yield PickleImport(offset, name, None, None)
            _apply(stack, op)
        except IndexError:
            raise Unreadable(f"{name} on an empty stack", offset) from None


def _python3_names(module: str, name: str, protocol: int) -> tuple[str, str]:
    """What the unpickler really imports: below protocol 3 it maps Python 2 names to Python 3 ones
    (pickle.Unpickler.find_class with fix_imports), so a 'commands.Popen' is subprocess.Popen."""
    if protocol < 3:
        if (module, name) in _compat_pickle.NAME_MAPPING:
            return _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
    return module, name


def _apply(stack: list[object], op: pickletools.OpcodeInfo) -> None:
    """The opcode's stack effect as pickletools documents it, its results unknown values. As in the
    unpickler, only a slice opcode (or POP) may take a mark; any other reaching one underflows."""
    before = op.stack_before
    if pickletools.markobject in before:
        marks = [i for i, item in enumerate(stack) if item is _MARK]
        if not marks:
            raise IndexError
        del stack[marks[-1] :]
        count = before.index(pickletools.markobject)  # what lies below the mark, e.g. APPENDS's list
    elif op.name == "POP" and stack and stack[-1] is _MARK:
        stack.pop()  # the unpickler's POP of an empty slice drops its mark
        count = 0
    else:
        count = len(before)
    taken = stack[len(stack) - count :] if count else []
    if len(taken) < count or any(item is _MARK for item in taken):
        raise IndexError
    del stack[len(stack) - count :]
    stack.extend(_UNKNOWN for _ in op.stack_after)


def imports(stream: IO[bytes]) -> list[PickleImport]:
    """Every import of the pickles at the start of ``stream``: the first, then each next one that starts
    with PROTO and a protocol (a legacy torch.save file is five pickles, then raw storage bytes the
    loader reads without unpickling). Unreadable when the first is not a whole pickle; bytes after it
    that do not read as one are raw data, though what a partly read one imports before it breaks is
    kept (an unpickler runs each opcode as it reads it)."""
    found: list[PickleImport] = []
    first = True
    while True:
        try:
            for item in _imports_of_one(pickletools.genops(stream)):
                found.append(item)
        except (Unreadable, ValueError, EOFError, UnicodeDecodeError, OverflowError) as error:
            if not first:
                return found
            if isinstance(error, Unreadable):
                raise
            raise Unreadable(str(error).rstrip("."), stream.tell()) from error
        first = False
        head = stream.read(2)
        stream.seek(-len(head), 1)
        if not looks_like_pickle(head):
            return found


def unsafe(found: Iterable[PickleImport], allowed: frozenset[tuple[str, str]]) -> list[PickleImport]:
    """The imports outside ``allowed``, each global once (at its first offset)."""
    seen: dict[str, PickleImport] = {}
    for item in found:
        if item.module is not None and item.name is not None and (item.module, item.name) in allowed:
            continue
        seen.setdefault(item.qualified, item)
    return list(seen.values())


def looks_like_pickle(head: bytes) -> bool:
    """A protocol 2+ pickle starts with PROTO and its version; older ones are tried by parsing."""
    return len(head) >= 2 and head[0] == PROTO and 2 <= head[1] <= 5


PICKLE_FIRST_BYTES = frozenset(op.code.encode("latin-1")[0] for op in pickletools.opcodes)

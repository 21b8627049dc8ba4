"""What a model file is, told from its bytes (never its name), and what loading it would run.

Each reader looks only as deep as the question needs: a safetensors header, GGUF's counts, the top-level
fields of an ONNX or SavedModel protobuf, the globals of a pickle, the members of a zip (torch.save
archives, .npz, .keras), a Keras config's layers. Nothing is loaded, nothing is imported: only the
standard library runs here.
"""

from __future__ import annotations

import ast
import io
import json
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from . import pickles

SAFETENSORS = "safetensors"
ONNX = "onnx"
GGUF = "gguf"
PICKLE = "pickle"
TORCH = "torch"  # a torch.save zip archive: data.pkl beside raw storages
NUMPY = "numpy"  # .npy, and .npz (a zip of them)
KERAS = "keras"  # .keras (zip) and Keras .h5
HDF5 = "hdf5"  # HDF5 that is not a Keras model
SAVEDMODEL = "savedmodel"
ZIP = "zip"
JSON = "json"
TEXT = "text"
UNKNOWN = "unknown"
# Formats of weights, the ones `[policy] formats` chooses among.
WEIGHT_FORMATS = (SAFETENSORS, ONNX, GGUF, PICKLE, TORCH, NUMPY, KERAS, HDF5, SAVEDMODEL)

# How a file can run code when loaded, or fail to be understood: what the audit reports of it.
UNSAFE_GLOBAL = "unsafe-global"
UNREADABLE = "unreadable"
RUNS_CODE = "runs-code"
OUTSIDE_PATH = "outside-path"

_SAFETENSORS_DTYPES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1, "F4": 1, "F6_E2M3": 1,
    "F6_E3M2": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "I64": 8,
    "U64": 8, "F64": 8, "C64": 8,
}  # fmt: skip
# Sub-byte types are packed: their element count must still fill whole bytes.
_SUB_BYTE_BITS = {"F4": 4, "F6_E2M3": 6, "F6_E3M2": 6}
MAX_SAFETENSORS_HEADER = 100 << 20  # the limit the safetensors library itself enforces
MAX_NESTING = 4  # archives inside archives inside ...
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_KERAS_LAMBDA = re.compile(rb'"class_name":\s*"Lambda"')
# TensorFlow ops that call back into Python (tf.py_function, tf.numpy_function).
_PY_FUNC_OPS = re.compile(rb"\b(?:EagerPyFunc|PyFuncStateless|PyFunc)\b")
# The members of a torch.save archive that torch reads as raw bytes, never unpickles.
_TORCH_RAW = re.compile(r"(^|/)(data/\d+|\.data/.*|version|byteorder|\.format_version|\.storage_alignment)$")
_ONNX_FIELDS = frozenset((1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25))  # ModelProto's field numbers
_SAVEDMODEL_FIELDS = frozenset((1, 2))  # saved_model_schema_version, meta_graphs
_CHUNK = 1 << 20
_IN_MEMORY = 64 << 20


@dataclass(frozen=True)
class Observation:
    """Something a file holds that loading it would run, or that could not be read. ``member`` is the
    path inside an archive ('' for the file itself, 'a.zip!b/data.pkl' when nested)."""

    kind: str
    message: str
    member: str = ""
    offset: int | None = None
    subject: str | None = None  # the global, layer or op concerned


@dataclass(frozen=True)
class Inspection:
    format: str
    pickled: bool = False  # loading it runs the unpickler (a pickle, a torch.save archive, object arrays)
    observations: tuple[Observation, ...] = ()


@dataclass
class _Found:
    pickled: bool = False
    observations: list[Observation] = field(default_factory=list)

    def add(
        self, kind: str, message: str, member: str, offset: int | None = None, subject: str | None = None
    ) -> None:
        self.observations.append(Observation(kind, message, member, offset, subject))


def inspect(stream: IO[bytes], allowed: frozenset[tuple[str, str]]) -> Inspection:
    """The format of the seekable ``stream`` and what loading it would run, imports outside ``allowed``
    among them."""
    found = _Found()
    kind = _inspect(stream, "", 0, allowed, found)
    return Inspection(kind, found.pickled, tuple(found.observations))


def _size(stream: IO[bytes]) -> int:
    end = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    return end


def _inspect(
    stream: IO[bytes], member: str, depth: int, allowed: frozenset[tuple[str, str]], found: _Found
) -> str:
    size = _size(stream)
    head = stream.read(24)
    stream.seek(0)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip(stream, member, depth, allowed, found)
    if head.startswith(b"\x93NUMPY"):
        return _npy(stream, member, allowed, found)
    if head.startswith(b"GGUF"):
        return _gguf(stream, head, size, member, found)
    if head.startswith(_HDF5_MAGIC):
        return _hdf5(stream, member, found)
    if pickles.looks_like_pickle(head):
        return _pickle(stream, member, allowed, found)
    if len(head) >= 9 and head[8:9] == b"{" and struct.unpack("<Q", head[:8])[0] <= size - 8:
        return _safetensors(stream, size, member, found)
    if head[:1] == b"\x08" and (kind := _protobuf(stream, size, head)) is not None:
        if kind == SAVEDMODEL:
            _scan(stream, _PY_FUNC_OPS, member, found, "a TensorFlow op that calls Python", "op")
        else:
            _onnx_external_data(stream, size, member, found)
        return kind
    if head[:1] and head[0] in pickles.PICKLE_FIRST_BYTES and _parses_as_pickle(stream):
        # protocol 0 and 1 pickles have no header and read as text: what parses to a STOP is one.
        return _pickle(stream, member, allowed, found)
    return _text_or_unknown(stream)


def _pickle(stream: IO[bytes], member: str, allowed: frozenset[tuple[str, str]], found: _Found) -> str:
    found.pickled = True
    try:
        imports = pickles.imports(stream)
    except pickles.Unreadable as error:
        found.add(
            UNREADABLE,
            f"pickle cannot be read statically ({error}); a lenient loader may still run it",
            member,
            error.offset,
        )
        return PICKLE
    for item in pickles.unsafe(imports, allowed):
        found.add(
            UNSAFE_GLOBAL, f"imports {item.qualified} ({item.opcode})", member, item.offset, item.qualified
        )
    return PICKLE


def _parses_as_pickle(stream: IO[bytes]) -> bool:
    try:
        pickles.imports(stream)
        return True
    except pickles.Unreadable:
        return False
    finally:
        stream.seek(0)


def _zip(
    stream: IO[bytes], member: str, depth: int, allowed: frozenset[tuple[str, str]], found: _Found
) -> str:
    try:
        archive = zipfile.ZipFile(stream)
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        found.add(UNREADABLE, f"zip archive cannot be read ({error})", member)
        return ZIP
    if any(name.endswith("/data.pkl") or name == "data.pkl" for name in names):
        kind = TORCH
    elif "config.json" in names and any(name.endswith(".weights.h5") for name in names):
        kind = KERAS
        _keras_config(archive, member, found)
    elif names and all(name.endswith(".npy") for name in names):
        kind = NUMPY
    else:
        kind = ZIP
    if depth >= MAX_NESTING:
        found.add(UNREADABLE, f"archives nested more than {MAX_NESTING} deep are not opened", member)
        return kind
    for info in archive.infolist():
        if info.is_dir() or (kind == TORCH and _TORCH_RAW.search(info.filename)):
            continue
        inner = f"{member}!{info.filename}" if member else info.filename
        try:
            with archive.open(info) as handle:
                # A small member is read whole: a zip member's tell() (once per opcode) is slow.
                small = info.file_size <= _IN_MEMORY
                _inspect(io.BytesIO(handle.read()) if small else handle, inner, depth + 1, allowed, found)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as error:
            found.add(UNREADABLE, f"archive member cannot be read ({error})", inner)
    return kind


def _npy(stream: IO[bytes], member: str, allowed: frozenset[tuple[str, str]], found: _Found) -> str:
    """A .npy header; an array of Python objects is stored as a pickle after it."""
    preamble = stream.read(10)
    try:
        major = preamble[6]
        length = (
            struct.unpack("<H", preamble[8:10])[0]
            if major == 1
            else struct.unpack("<I", preamble[8:10] + stream.read(2))[0]
        )
        header = ast.literal_eval(stream.read(length).decode("latin-1"))
        descr = header["descr"]
    except (IndexError, struct.error, ValueError, SyntaxError, KeyError, TypeError, MemoryError) as error:
        found.add(UNREADABLE, f"numpy header cannot be read ({error})", member)
        return NUMPY
    if "O" in str(descr):  # the stream is at the pickle: its offsets stay the file's
        _pickle(stream, member, allowed, found)
    return NUMPY


def _gguf(stream: IO[bytes], head: bytes, size: int, member: str, found: _Found) -> str:
    version, tensors, values = struct.unpack("<IQQ", head[4:24].ljust(20, b"\0"))
    if version not in (1, 2, 3) or size < 24 or tensors > size or values > size:
        found.add(
            UNREADABLE,
            f"GGUF header is not consistent (version {version}, {tensors} tensors, {values} values)",
            member,
        )
    elif version >= 2:  # version 1 (32-bit lengths) predates chat templates
        _gguf_chat_template(stream, values, member, found)
    return GGUF


# GGUF metadata value types with a fixed size (the rest: 8 string, 9 array).
_GGUF_FIXED = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_GGUF_TEMPLATE = "tokenizer.chat_template"
# Jinja that reaches Python internals: a renderer outside Jinja's sandbox (llama-cpp-python before
# 0.2.72, CVE-2024-34359) runs code through them.
_JINJA_INTERNALS = re.compile(r"__\w+__")


def _gguf_chat_template(stream: IO[bytes], values: int, member: str, found: _Found) -> None:
    """The chat template among the metadata (walked value by value, arrays skipped), if any."""
    stream.seek(24)
    try:
        for _ in range(values):
            key = _gguf_string(stream)
            kind = _gguf_u32(stream)
            if key == _GGUF_TEMPLATE and kind == 8:
                template = _gguf_string(stream)
                if match := _JINJA_INTERNALS.search(template):
                    found.add(
                        RUNS_CODE,
                        f"GGUF chat template reaches Python internals ({match.group()}): a renderer "
                        "outside Jinja's sandbox runs code through it",
                        member,
                        None,
                        match.group(),
                    )
                return
            _gguf_skip(stream, kind)
    except (struct.error, ValueError, UnicodeDecodeError):
        found.add(UNREADABLE, "GGUF metadata cannot be read", member)


def _gguf_u32(stream: IO[bytes]) -> int:
    value: int = struct.unpack("<I", stream.read(4))[0]
    return value


def _gguf_u64(stream: IO[bytes]) -> int:
    value: int = struct.unpack("<Q", stream.read(8))[0]
    return value


def _gguf_string(stream: IO[bytes]) -> str:
    length = _gguf_u64(stream)
    data = stream.read(length)
    if len(data) != length:
        raise ValueError("string past the end")
    return data.decode("utf-8")


def _gguf_skip(stream: IO[bytes], kind: int) -> None:
    if kind in _GGUF_FIXED:
        stream.seek(_GGUF_FIXED[kind], io.SEEK_CUR)
    elif kind == 8:
        stream.seek(_gguf_u64(stream), io.SEEK_CUR)
    elif kind == 9:
        item, count = _gguf_u32(stream), _gguf_u64(stream)
        if item in _GGUF_FIXED:
            stream.seek(_GGUF_FIXED[item] * count, io.SEEK_CUR)
        else:
            for _ in range(count):
                _gguf_skip(stream, item)
    else:
        raise ValueError(f"unknown GGUF value type {kind}")


def _hdf5(stream: IO[bytes], member: str, found: _Found) -> str:
    """Keras stores its model config (layers included) as JSON text in an HDF5 attribute."""
    keras = False
    for offset, chunk in _chunks(stream):
        keras = keras or b"model_config" in chunk or b"keras_version" in chunk
        if match := _KERAS_LAMBDA.search(chunk):
            found.add(
                RUNS_CODE,
                "Keras Lambda layer: loading it runs the Python code it holds",
                member,
                offset + match.start(),
                "Lambda",
            )
            return KERAS
    return KERAS if keras else HDF5


def _keras_config(archive: zipfile.ZipFile, member: str, found: _Found) -> None:
    try:
        config = json.loads(archive.read("config.json"))
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        found.add(UNREADABLE, f"Keras config.json cannot be read ({error})", member)
        return
    for layer in _layers(config):
        name = layer.get("class_name")
        module = layer.get("module")
        where = f"{member}!config.json" if member else "config.json"
        if name == "Lambda":
            found.add(
                RUNS_CODE,
                "Keras Lambda layer: loading it runs the Python code it holds",
                where,
                None,
                "Lambda",
            )
        elif isinstance(module, str) and module.split(".")[0] not in ("keras", "tensorflow", "tf_keras"):
            found.add(
                RUNS_CODE,
                f"Keras object {module}.{name}: loading it imports that module",
                where,
                None,
                f"{module}.{name}",
            )


def _layers(node: object) -> Iterator[dict[str, object]]:
    """Every Keras object in a config: dicts naming a class_name, however deep."""
    if isinstance(node, dict):
        if "class_name" in node:
            yield node
        for value in node.values():
            yield from _layers(value)
    elif isinstance(node, list):
        for value in node:
            yield from _layers(value)


def _safetensors(stream: IO[bytes], size: int, member: str, found: _Found) -> str:
    """The header is parsed and every tensor's bytes checked to lie inside the file, without gaps or
    overlaps, and to match its dtype and shape: what a loader trusts before it maps the data."""
    length = struct.unpack("<Q", stream.read(8))[0]
    problem = _safetensors_problem(stream, size, length)
    if problem:
        found.add(UNREADABLE, f"safetensors header: {problem}", member)
    return SAFETENSORS


def _safetensors_problem(stream: IO[bytes], size: int, length: int) -> str | None:
    if length > MAX_SAFETENSORS_HEADER:
        return f"{length} bytes long, over the {MAX_SAFETENSORS_HEADER} a loader accepts"
    try:
        header = json.loads(stream.read(length))
    except (ValueError, UnicodeDecodeError) as error:
        return f"not JSON ({error})"
    if not isinstance(header, dict):
        return "not a JSON object"
    data = size - 8 - length
    spans = []
    for name, tensor in header.items():
        if name == "__metadata__":
            if not isinstance(tensor, dict) or not all(isinstance(v, str) for v in tensor.values()):
                return "__metadata__ is not a table of strings"
            continue
        if not isinstance(tensor, dict) or tensor.get("dtype") not in _SAFETENSORS_DTYPES:
            return f"tensor {name!r} has no known dtype"
        shape, offsets = tensor.get("shape"), tensor.get("data_offsets")
        if not isinstance(shape, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
        ):
            return f"tensor {name!r} has no valid shape"
        if not (
            isinstance(offsets, list)
            and len(offsets) == 2
            and all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
        ):
            return f"tensor {name!r} has no valid data_offsets"
        begin, end = offsets
        if not 0 <= begin <= end <= data:
            return f"tensor {name!r} lies outside the file ({begin}..{end} of {data} data bytes)"
        count = 1
        for dim in shape:
            count *= dim
        bits = _SUB_BYTE_BITS.get(tensor["dtype"], 8 * _SAFETENSORS_DTYPES[tensor["dtype"]])
        if count * bits != (end - begin) * 8:
            need = f"{count * bits / 8:g}"
            return f"tensor {name!r} holds {end - begin} bytes, not the {need} its dtype and shape need"
        spans.append((begin, end, name))
    at = 0
    for begin, end, name in sorted(spans):
        if begin != at:
            return f"tensor {name!r} starts at {begin}, not at {at} (a gap or an overlap)"
        at = end
    if at != data:
        return f"{data - at} bytes after the last tensor belong to none"
    return None


class _NotProtobuf(Exception):
    """The bytes are not a protobuf message (or not a whole one)."""


def _fields(stream: IO[bytes], start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, value or payload offset, payload length) of each field of the message
    in ``stream[start:end]``, without reading length-delimited payloads (a tensor's bytes are skipped)."""
    at = start
    while at < end:
        stream.seek(at)
        key, at = _varint(stream, at)
        if key is None or key >> 3 == 0:
            raise _NotProtobuf
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(stream, at)
            if value is None:
                raise _NotProtobuf
            yield number, wire, value, 0
        elif wire == 2:
            length, at = _varint(stream, at)
            if length is None or at + length > end:
                raise _NotProtobuf
            yield number, wire, at, length
            at += length
        elif wire in (1, 5):  # fixed 64 and 32 bits
            at += 8 if wire == 1 else 4
            if at > end:
                raise _NotProtobuf
            yield number, wire, at, 0
        else:
            raise _NotProtobuf


def _protobuf(stream: IO[bytes], size: int, head: bytes) -> str | None:
    """ONNX (ir_version 3 and up) or a SavedModel (schema version 1): a protobuf whose top-level fields
    are all ones its message has, each within the file; None for anything else."""
    kind = SAVEDMODEL if head[1:2] == b"\x01" else ONNX if 3 <= head[1] <= 15 else None
    if kind is None:
        return None
    allowed = _SAVEDMODEL_FIELDS if kind == SAVEDMODEL else _ONNX_FIELDS
    seen = set()
    try:
        for number, _, _, _ in _fields(stream, 0, size):
            if number not in allowed:
                return None
            seen.add(number)
    except _NotProtobuf:
        return None
    finally:
        stream.seek(0)
    needed = 2 if kind == SAVEDMODEL else 7  # meta_graphs; the graph
    return kind if needed in seen else None


def _onnx_external_data(stream: IO[bytes], size: int, member: str, found: _Found) -> None:
    """Initializers whose external data location leaves the model's folder: loading the model reads
    (and older onnx versions, saving it, write) whatever file the path names."""
    try:
        for number, wire, graph, length in _fields(stream, 0, size):
            if (number, wire) != (7, 2):  # ModelProto.graph
                continue
            for inner, kind, tensor, tensor_length in _fields(stream, graph, graph + length):
                if (inner, kind) == (5, 2):  # GraphProto.initializer
                    _tensor_location(stream, tensor, tensor + tensor_length, member, found)
    except _NotProtobuf:
        found.add(UNREADABLE, "ONNX graph cannot be read", member)


def _tensor_location(stream: IO[bytes], start: int, end: int, member: str, found: _Found) -> None:
    for number, kind, entry, length in _fields(stream, start, end):
        if (number, kind) != (13, 2) or length > 1 << 16:  # TensorProto.external_data
            continue
        stream.seek(entry)
        data = io.BytesIO(stream.read(length))
        pair: dict[int, bytes] = {}
        for key, wire, offset, size in _fields(data, 0, length):
            if wire == 2:
                data.seek(offset)
                pair[key] = data.read(size)
        if pair.get(1) == b"location" and _escapes(location := pair.get(2, b"").decode("utf-8", "replace")):
            found.add(
                OUTSIDE_PATH,
                f"ONNX external data at {location!r}, outside the model's folder: loading reads that file",
                member,
                entry,
                location,
            )


def _escapes(location: str) -> bool:
    path = location.replace("\\", "/")
    return path.startswith("/") or re.match(r"^[A-Za-z]:", path) is not None or ".." in path.split("/")


def _varint(stream: IO[bytes], at: int) -> tuple[int | None, int]:
    value = shift = 0
    for _ in range(10):
        byte = stream.read(1)
        if not byte:
            return None, at
        at += 1
        value |= (byte[0] & 0x7F) << shift
        if byte[0] < 0x80:
            return value, at
        shift += 7
    return None, at


def _chunks(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """The stream in overlapping chunks, so that a pattern across a boundary is still seen whole."""
    stream.seek(0)
    offset, tail = 0, b""
    while block := stream.read(_CHUNK):
        yield offset - len(tail), tail + block
        offset += len(block)
        tail = block[-256:]


def _scan(
    stream: IO[bytes], pattern: re.Pattern[bytes], member: str, found: _Found, what: str, noun: str
) -> None:
    for offset, chunk in _chunks(stream):
        if match := pattern.search(chunk):
            op = match.group().decode()
            found.add(RUNS_CODE, f"{what}: {noun} {op}", member, offset + match.start(), op)
            return


def _text_or_unknown(stream: IO[bytes]) -> str:
    sample = stream.read(8192)
    if b"\0" in sample:
        return UNKNOWN
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(sample) - 4:  # not just a character cut at the sample's end
            return UNKNOWN
        text = sample[: error.start].decode("utf-8")
    return JSON if _json_start(text.lstrip(), whole=len(sample) < 8192) else TEXT


def _json_start(text: str, whole: bool) -> bool:
    """A JSON document: parsed when whole; else an object, or an array of values ("[PAD]" is text)."""
    if whole:
        try:
            json.loads(text)
            return True
        except ValueError:
            return False
    return text[:1] == "{" or re.match(r"\[\s*[\[{\"\d\-tfn\]]", text) is not None

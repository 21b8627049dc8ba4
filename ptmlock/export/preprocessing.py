"""Preprocessing is part of the model: its files by hash, and the token ids its tokenizer gives.

A pinned tokenizer can still change its output when transformers or tokenizers is upgraded; the ids of
fixed probe texts are locked with the library versions, so a change is caught and named.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from ..errors import PtmError
from ..extras import not_installed
from ..lockfile import LockedFile, LockedModel
from .records import TokenizerProbe, TokenizerRecord
from .versions import installed_versions

TOKENIZER_FILES = frozenset(
    {"tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "tokenizer.model", "spiece.model"}
)
PREPROCESSING_FILES = TOKENIZER_FILES | {
    "special_tokens_map.json",
    "added_tokens.json",
    "merges.txt",
    "sentencepiece.bpe.model",
    "chat_template.jinja",
    "preprocessor_config.json",
    "processor_config.json",
    "feature_extractor_config.json",
    "image_processor_config.json",
}
TOKENIZER_LIBRARIES = ("transformers", "tokenizers")
_SHOWN_IDS = 12


def preprocessing_files(model: LockedModel, declared: Sequence[str] | None) -> tuple[LockedFile, ...]:
    """The locked files a pipeline needs besides the weights: declared ones, else those known by name."""
    by_path = {f.path: f for f in model.files}
    if declared is None:
        return tuple(f for f in model.files if PurePosixPath(f.path).name in PREPROCESSING_FILES)
    missing = [p for p in declared if p not in by_path]
    if missing:
        raise PtmError(f"preprocessing file '{missing[0]}' of '{model.name}' is not among its locked files")
    return tuple(by_path[p] for p in declared)


def has_tokenizer(model: LockedModel) -> bool:
    return any(PurePosixPath(f.path).name in TOKENIZER_FILES for f in model.files)


def transformers_ids(snapshot: Path, texts: Sequence[str]) -> list[tuple[int, ...]]:
    """Token ids as users get them: AutoTokenizer from the snapshot."""
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(snapshot), local_files_only=True)
        except (OSError, ValueError) as error:
            raise PtmError(f"the tokenizer in {snapshot} cannot be loaded: {error}") from error
        return [tuple(tokenizer(text)["input_ids"]) for text in texts]


def tokenizer_json_ids(snapshot: Path, texts: Sequence[str]) -> list[tuple[int, ...]] | None:
    """Token ids from tokenizer.json with the tokenizers library alone (no transformers, no torch)."""
    path = snapshot / "tokenizer.json"
    if not path.is_file():
        return None
    try:
        from tokenizers import Tokenizer
    except ImportError as error:
        raise PtmError(not_installed("tokenizers")) from error

    tokenizer = Tokenizer.from_file(str(path))
    return [tuple(tokenizer.encode(text).ids) for text in texts]


def record_tokenizer(snapshot: Path, texts: Sequence[str]) -> TokenizerRecord:
    ids = transformers_ids(snapshot, texts)
    return TokenizerRecord(
        tools=installed_versions(*TOKENIZER_LIBRARIES),
        probes=tuple(TokenizerProbe(text, i) for text, i in zip(texts, ids, strict=True)),
        tokenizer_json=tokenizer_json_ids(snapshot, texts) == ids,
    )


def _shown(ids: Sequence[int]) -> str:
    head = ", ".join(map(str, ids[:_SHOWN_IDS]))
    return f"[{head}{', ...' if len(ids) > _SHOWN_IDS else ''}]"


def tokenizer_drift(record: TokenizerRecord, snapshot: Path, frozen: bool) -> tuple[bool, str]:
    """(ok, what was found) for the locked tokenizer probes, naming the library version that changed.
    ``snapshot``: the installed model, or under ``frozen`` any folder holding its checked tokenizer.json
    (the project's preprocessing copies)."""
    texts = [p.text for p in record.probes]
    if frozen:
        if not record.tokenizer_json:
            return (
                True,
                "not checked under --frozen: only transformers reproduces these ids (it imports torch)",
            )
        libraries: tuple[str, ...] = ("tokenizers",)
        ids = tokenizer_json_ids(snapshot, texts)
        if ids is None:
            raise PtmError(f"tokenizer.json is missing from {snapshot}; run `ptm install`")
    else:
        libraries, ids = TOKENIZER_LIBRARIES, transformers_ids(snapshot, texts)
    now = installed_versions(*libraries)
    versions = ", ".join(f"{lib} {now.get(lib, 'absent')}" for lib in libraries)
    changed = [
        f"{lib} {record.tools.get(lib, 'absent')} -> {now.get(lib, 'absent')}"
        for lib in libraries
        if record.tools.get(lib) != now.get(lib)
    ]
    for probe, got in zip(record.probes, ids, strict=True):
        if got != probe.ids:
            cause = (
                f"changed with {', '.join(changed)}"
                if changed
                else "with the same library versions, so the tokenizer files changed "
                "(`ptm install --verify-hashes` restores them)"
            )
            return False, f"{probe.text!r} now gives {_shown(got)}, locked {_shown(probe.ids)}: {cause}"
    return True, f"{len(texts)} probe texts give the locked ids ({versions})"

"""The model-loading APIs `ptm check` knows, as data.

For each: which call (dotted patterns matched against the resolved name of the callee), which
argument names the model, where its revision goes, what "pinned" means for it (``pinning``), and
whether loading runs code from the source. classify.py gives each pinning its meaning.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass

# Where the bytes come from.
HUGGINGFACE = "huggingface"
TORCHHUB = "torchhub"
URL = "url"
TFHUB = "tfhub"
PACKAGE = "package"  # a file list shipped inside the library, each entry checked against its sha256

# What "pinned" means (see classify.py).
REVISION = "revision"  # a revision= keyword; pinned = a 40-hex commit
REF_IN_ID = "ref-in-id"  # torch.hub "owner/repo:ref"; pinned = a 40-hex ref
TIMM = "timm"  # pretrained=True fetches from the hub; pinned only as "hf-hub:org/repo@<commit>"
OPEN_CLIP = "open_clip"  # a pretrained tag fetched from the hub with no revision; pinned only as a local file
TORCHVISION = (
    "torchvision"  # a weights enum entry, checksummed by torchvision; DEFAULT moves between releases
)
CHECKSUM = "checksum"  # names the package maps to sha256-checked files; some names are aliases that move
DOWNLOAD_URL = "url"  # pinned when the URL is immutable or the bytes are hash-checked
TFHUB_HANDLE = "tfhub"  # pinned by the handle's trailing /<version>

HF_LIBRARIES = (
    "transformers",
    "diffusers",
    "peft",
    "sentence_transformers",
    "optimum",
    "setfit",
    "huggingface_hub",
    "span_marker",
    "gliner",
    "adapters",
)
# The name a receiver gets when it cannot be resolved (a parameter, self.x, a call result).
UNKNOWN = "?"


@dataclass(frozen=True)
class Arg:
    """Where a call takes a value: a 0-based position (None: keyword only) or one of its keywords."""

    position: int | None
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class LoadApi:
    name: str  # how messages call it when the source spelling is not at hand
    patterns: tuple[str, ...]  # "root.[middle.]final": parts are fnmatch globs, middles in order
    hub: str
    pinning: str
    triggers: tuple[str, ...]  # text on a code line of (and around) any such call
    model: Arg | None = None  # None: the function itself names the model (torchvision, keras builders)
    revision: tuple[str, ...] = ()  # keywords taking a revision
    switch: Arg | None = None  # the argument that turns downloading on (timm's pretrained=True)
    switch_default: object = None  # its value when absent (keras weights="imagenet")
    remote_code: str | None = (
        None  # "keyword": trust_remote_code=True runs hub code; "always": it always does
    )
    kind: str = "model"
    aliases: frozenset[str] = frozenset()  # names the package maps to other files as it evolves
    literal_only: bool = False  # count the call only when the model id is a literal hub id
    default_model: bool = False  # without a model the library picks one (transformers.pipeline)
    requires: str = ""  # a regex that a file making the call matches somewhere (its keyword, its import)
    # The org the library puts before a hub id without "/" (all-MiniLM-L6-v2), bar LEGACY_HF_IDS.
    bare_org: str = ""


# torchvision loads only when told: weights=/pretrained= (spaced or not), or those keys in a dict.
_WEIGHTS_GIVEN = r"""\b(?:weights|pretrained)\s*=|["'](?:weights|pretrained)["']"""
_HF_ID = Arg(0, ("pretrained_model_name_or_path", "model_id", "model_name_or_path"))
_HF_REVISION = ("revision",)
_ST_ID = Arg(0, ("model_name_or_path", "model_name"))
# The ids without an org that sentence-transformers loads as they are (its basic_transformer_models);
# any other id without "/" is read as sentence-transformers/<id>.
LEGACY_HF_IDS = frozenset(
    {"albert-base-v1", "albert-base-v2", "albert-large-v1", "albert-large-v2", "albert-xlarge-v1"}
    | {"albert-xlarge-v2", "albert-xxlarge-v1", "albert-xxlarge-v2", "bert-base-cased-finetuned-mrpc"}
    | {"bert-base-cased", "bert-base-chinese", "bert-base-german-cased", "bert-base-german-dbmdz-cased"}
    | {"bert-base-german-dbmdz-uncased", "bert-base-multilingual-cased", "bert-base-multilingual-uncased"}
    | {"bert-base-uncased", "bert-large-cased-whole-word-masking-finetuned-squad"}
    | {"bert-large-cased-whole-word-masking", "bert-large-cased"}
    | {"bert-large-uncased-whole-word-masking-finetuned-squad", "bert-large-uncased-whole-word-masking"}
    | {"bert-large-uncased", "camembert-base", "ctrl", "distilbert-base-cased-distilled-squad"}
    | {"distilbert-base-cased", "distilbert-base-german-cased", "distilbert-base-multilingual-cased"}
    | {"distilbert-base-uncased-distilled-squad", "distilbert-base-uncased-finetuned-sst-2-english"}
    | {"distilbert-base-uncased", "distilgpt2", "distilroberta-base", "gpt2-large", "gpt2-medium"}
    | {"gpt2-xl", "gpt2", "openai-gpt", "roberta-base-openai-detector", "roberta-base", "roberta-large-mnli"}
    | {"roberta-large-openai-detector", "roberta-large", "t5-11b", "t5-3b", "t5-base", "t5-large"}
    | {"t5-small", "transfo-xl-wt103", "xlm-clm-ende-1024", "xlm-clm-enfr-1024", "xlm-mlm-100-1280"}
    | {"xlm-mlm-17-1280", "xlm-mlm-en-2048", "xlm-mlm-ende-1024", "xlm-mlm-enfr-1024", "xlm-mlm-enro-1024"}
    | {"xlm-mlm-tlm-xnli15-1024", "xlm-mlm-xnli15-1024", "xlm-roberta-base"}
    | {"xlm-roberta-large-finetuned-conll02-dutch", "xlm-roberta-large-finetuned-conll02-spanish"}
    | {"xlm-roberta-large-finetuned-conll03-english", "xlm-roberta-large-finetuned-conll03-german"}
    | {"xlm-roberta-large", "xlnet-base-cased", "xlnet-large-cased"}
)

CATALOG: tuple[LoadApi, ...] = (
    # peft: the base model comes first, the adapter id second.
    LoadApi(
        "PeftModel.from_pretrained",
        ("peft.PeftModel*.from_pretrained", "peft.PeftMixedModel.from_pretrained"),
        HUGGINGFACE,
        REVISION,
        ("from_pretrained",),
        model=Arg(1, ("model_id",)),
        revision=_HF_REVISION,
    ),
    LoadApi(
        "Tokenizer.from_pretrained",
        ("tokenizers.from_pretrained",),
        HUGGINGFACE,
        REVISION,
        ("from_pretrained",),
        model=Arg(0, ("identifier",)),
        revision=_HF_REVISION,
    ),
    LoadApi(
        "from_pretrained",
        tuple(f"{library}.from_pretrained" for library in HF_LIBRARIES),
        HUGGINGFACE,
        REVISION,
        ("from_pretrained",),
        model=_HF_ID,
        revision=_HF_REVISION,
        remote_code="keyword",
    ),
    # Any other receiver (cls, self.model_class, a parameter): the Hugging Face convention, so a
    # literal hub id is enough evidence; a dynamic one is not.
    LoadApi(
        "from_pretrained",
        (f"{UNKNOWN}.from_pretrained",),
        HUGGINGFACE,
        REVISION,
        ("from_pretrained",),
        model=_HF_ID,
        revision=_HF_REVISION,
        remote_code="keyword",
        literal_only=True,
    ),
    LoadApi(
        "pipeline",
        ("transformers.pipeline",),
        HUGGINGFACE,
        REVISION,
        ("pipeline(", "pipeline (", "pipeline as"),
        model=Arg(1, ("model",)),
        revision=_HF_REVISION,
        remote_code="keyword",
        default_model=True,
    ),
    LoadApi(
        "SentenceTransformer",
        ("sentence_transformers.SentenceTransformer", "sentence_transformers.SparseEncoder"),
        HUGGINGFACE,
        REVISION,
        ("SentenceTransformer", "SparseEncoder"),
        model=_ST_ID,
        revision=_HF_REVISION,
        remote_code="keyword",
        bare_org="sentence-transformers",
    ),
    LoadApi(
        "CrossEncoder",
        ("sentence_transformers.CrossEncoder",),
        HUGGINGFACE,
        REVISION,
        ("CrossEncoder",),
        model=_ST_ID,
        revision=_HF_REVISION,
        remote_code="keyword",
    ),
    LoadApi(
        "hf_hub_download",
        (
            "huggingface_hub.hf_hub_download",
            "huggingface_hub.snapshot_download",
            "huggingface_hub.from_pretrained_keras",
        ),
        HUGGINGFACE,
        REVISION,
        ("hf_hub_download", "snapshot_download", "from_pretrained_keras"),
        model=Arg(0, ("repo_id",)),
        revision=_HF_REVISION,
    ),
    LoadApi(
        "load_dataset",
        ("datasets.load_dataset",),
        HUGGINGFACE,
        REVISION,
        ("load_dataset",),
        model=Arg(0, ("path",)),
        revision=_HF_REVISION,
        remote_code="keyword",
        kind="dataset",
    ),
    LoadApi(
        "LLM",
        ("vllm.LLM",),
        HUGGINGFACE,
        REVISION,
        ("vllm",),
        model=Arg(0, ("model",)),
        revision=_HF_REVISION,
        remote_code="keyword",
        requires="LLM",
    ),
    LoadApi(
        "torch.hub.load",
        ("torch.hub.load",),
        TORCHHUB,
        REF_IN_ID,
        ("torch.hub", "import hub", "hub.load"),
        model=Arg(0, ("repo_or_dir",)),
        remote_code="always",
    ),
    LoadApi(
        "load_state_dict_from_url",
        (
            "torch.load_state_dict_from_url",
            "torch.model_zoo.load_url",
            "torch.download_url_to_file",
            "torchvision.load_state_dict_from_url",
        ),
        URL,
        DOWNLOAD_URL,
        ("load_state_dict_from_url", "load_url", "download_url_to_file"),
        model=Arg(0, ("url",)),
    ),
    LoadApi(
        "torchvision.models.get_model",
        ("torchvision.models.get_model",),
        PACKAGE,
        TORCHVISION,
        ("torchvision",),
        model=Arg(0, ("name",)),
        switch=Arg(None, ("weights", "pretrained")),
        requires=_WEIGHTS_GIVEN,
    ),
    LoadApi(
        "torchvision.models",
        ("torchvision.models.*",),
        PACKAGE,
        TORCHVISION,
        ("torchvision",),
        switch=Arg(None, ("weights", "pretrained")),
        requires=_WEIGHTS_GIVEN,
    ),
    LoadApi(
        "timm.create_model",
        ("timm.create_model",),
        HUGGINGFACE,
        TIMM,
        ("timm",),
        model=Arg(0, ("model_name",)),
        switch=Arg(1, ("pretrained",)),
        switch_default=False,
        requires="create_model",
    ),
    LoadApi(
        "open_clip.create_model",
        ("open_clip.create_model*",),
        HUGGINGFACE,
        OPEN_CLIP,
        ("open_clip",),
        model=Arg(0, ("model_name",)),
        switch=Arg(1, ("pretrained",)),
        requires="create_model",
    ),
    LoadApi(
        "clip.load",
        ("clip.load",),
        PACKAGE,
        CHECKSUM,
        ("import clip", "from clip", "clip.load"),
        model=Arg(0, ("name",)),
    ),
    LoadApi(
        "whisper.load_model",
        ("whisper.load_model",),
        PACKAGE,
        CHECKSUM,
        ("import whisper", "from whisper", "whisper.load_model"),
        model=Arg(0, ("name",)),
        aliases=frozenset({"large", "turbo"}),
    ),
    LoadApi(
        "keras.applications",
        ("keras.applications.[A-Z]*", "tensorflow.keras.applications.[A-Z]*"),
        PACKAGE,
        CHECKSUM,
        ("keras",),
        switch=Arg(None, ("weights",)),
        switch_default="imagenet",
        requires="applications",
    ),
    LoadApi(
        "tensorflow_hub",
        (
            "tensorflow_hub.KerasLayer",
            "tensorflow_hub.load",
            "tensorflow_hub.Module",
            "tensorflow_hub.resolve",
        ),
        TFHUB,
        TFHUB_HANDLE,
        ("tensorflow_hub",),
        model=Arg(0, ("handle", "spec")),
    ),
)


@dataclass(frozen=True)
class _Pattern:
    root: str
    middle: tuple[str, ...]
    final: str
    api: LoadApi

    def matches(self, parts: tuple[str, ...]) -> bool:
        if len(parts) < 2 or not fnmatch.fnmatchcase(parts[0], self.root):
            return False
        if not fnmatch.fnmatchcase(parts[-1], self.final):
            return False
        middle = iter(parts[1:-1])
        return all(any(fnmatch.fnmatchcase(part, want) for part in middle) for want in self.middle)


def _index() -> tuple[dict[str, list[_Pattern]], list[_Pattern]]:
    by_final: dict[str, list[_Pattern]] = {}
    globbed: list[_Pattern] = []
    for api in CATALOG:
        for pattern in api.patterns:
            root, *middle, final = pattern.split(".")
            entry = _Pattern(root, tuple(middle), final, api)
            if any(c in final for c in "*?["):
                globbed.append(entry)
            else:
                by_final.setdefault(final, []).append(entry)
    return by_final, globbed


_BY_FINAL, _GLOBBED = _index()
_PATTERNS = (*(e for v in _BY_FINAL.values() for e in v), *_GLOBBED)
ROOTS = frozenset(p.root for p in _PATTERNS)


# Trigger words sharing a part (from_pretrained, from_pretrained_keras): a file without the part
# holds none of them, which one search tells.
_ANCHORS = (b"pretrained", b"pipeline", b"Encoder", b"hub", b"_url", b"clip", b"whisper")


@dataclass(frozen=True)
class TriggerGroup:
    requires: re.Pattern[bytes] | None  # what a file making these calls must match somewhere
    tokens: dict[bytes, tuple[bytes, ...]]  # anchor -> trigger words holding it


def _trigger_groups() -> tuple[TriggerGroup, ...]:
    groups: dict[str, set[bytes]] = {}
    for api in CATALOG:
        groups.setdefault(api.requires, set()).update(t.encode() for t in api.triggers)
    result = []
    for requires, words in groups.items():
        anchored: dict[bytes, list[bytes]] = {}
        for word in sorted(words):
            anchor = next((a for a in _ANCHORS if a in word), word)
            anchored.setdefault(anchor, []).append(word)
        pattern = re.compile(requires.encode()) if requires else None
        result.append(TriggerGroup(pattern, {a: tuple(w) for a, w in anchored.items()}))
    return tuple(result)


TRIGGER_GROUPS = _trigger_groups()


def match(qualname: str) -> LoadApi | None:
    """The first catalog entry whose pattern matches a resolved dotted name, e.g. 'torch.hub.load'."""
    parts = tuple(qualname.split("."))
    for entry in _BY_FINAL.get(parts[-1], ()):
        if entry.matches(parts):
            return entry.api
    for entry in _GLOBBED:
        if entry.matches(parts):
            return entry.api
    return None


@functools.lru_cache(maxsize=1024)
def alias_matters(qualname: str) -> bool:
    """Whether a name bound to ``qualname`` (``import tensorflow_hub as hub``, ``from transformers
    import pipeline as p``) can make a load call whose text shows none of the trigger words."""
    parts = tuple(qualname.split("."))
    for entry in _PATTERNS:
        if not fnmatch.fnmatchcase(parts[0], entry.root):
            continue
        if entry.matches(parts):
            return True
        if any(t in entry.final for t in entry.api.triggers):
            continue  # the call spells out the final name, a trigger itself
        rest = parts[1:]
        if len(rest) <= len(entry.middle) and all(
            fnmatch.fnmatchcase(part, want) for part, want in zip(rest, entry.middle, strict=False)
        ):
            return True
    return False

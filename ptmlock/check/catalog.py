"""The model-loading APIs `ptm check` knows, as data.

For each: which call (dotted patterns matched against the resolved name of the callee), which
argument names the model, where its revision goes, what "pinned" means for it (``pinning``), and
whether loading runs code from the source. classify.py gives each pinning its meaning.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from typing import NamedTuple

# Where the bytes come from.
HUGGINGFACE = "huggingface"
TORCHHUB = "torchhub"
URL = "url"
TFHUB = "tfhub"
KAGGLE = "kaggle"
MODELSCOPE = "modelscope"
PACKAGE = "package"  # a file list shipped inside the library, each entry checked against its sha256
ARCHIVE = "archive"  # a named download from the library's own index (gensim-data, nltk_data, tfds)

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
KAGGLE_HANDLE = "kaggle"  # owner/model/framework/variation/<version>, owner/dataset/versions/<version>
PRESET = "preset"  # keras_hub: a built-in preset (versioned by the library), hf:// or kaggle://
DECLARED = "declared"  # ptmlock.torch_hub_load("name"): pinned by ptm.lock, by construction
RELEASE_ASSET = "release-asset"  # ultralytics "yolov8n.pt": a GitHub release file fetched by name, unchecked
NAMED = "named"  # a name the library's index maps to files; pinned only with a version (api.version_mark)

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


# The records here are NamedTuples, not frozen dataclasses: as read-only and as typed, and defining a
# dataclass costs `ptm check`'s start-up (a pre-commit hook's) about a millisecond each.
class Arg(NamedTuple):
    """Where a call takes a value: a 0-based position (None: keyword only) or one of its keywords."""

    position: int | None
    keywords: tuple[str, ...]


class LoadApi(NamedTuple):
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
    literal_only: bool = False  # count the call only when the model id is a literal hub id or URL
    default_model: bool = False  # without a model the library picks one (transformers.pipeline)
    requires: str = ""  # a regex that a file making the call matches somewhere (its keyword, its import)
    # The repo a name without "/" stands for: bare_prefix + name (sentence-transformers/all-MiniLM-L6-v2),
    # bar LEGACY_HF_IDS, unless bare_repos names it.
    bare_prefix: str = ""
    bare_repos: tuple[tuple[str, str], ...] = ()
    hashes: tuple[str, ...] = ()  # keywords whose value checks the downloaded bytes (file_hash=...)
    hub_urls_only: bool = False  # a general HTTP fetcher: only Hugging Face URLs are model loads
    version_mark: str = ""  # NAMED: what separates a name from its version ("mnist:3.0.1")
    hint: str = ""  # how to pin a load of this API, when it is not the usual revision=
    revision_in: tuple[str, ...] = ()  # dict keywords whose "revision" key is the revision (model_args=)
    default_repo: str = ""  # the hub repo loaded when no model is named (LangChain's embeddings)


# torchvision loads only when told: weights=/pretrained= (spaced or not), or those keys in a dict.
_WEIGHTS_GIVEN = r"""\b(?:weights|pretrained)\s*=|["'](?:weights|pretrained)["']"""
_HF_ID = Arg(
    0, ("pretrained_model_name_or_path", "model_id", "model_name_or_path", "pretrained_model_link_or_path")
)
_HF_REVISION = ("revision",)
_ST_ID = Arg(0, ("model_name_or_path", "model_name"))
_URL = Arg(0, ("url",))
_PIPELINE_CALLED = ("pipeline(", "pipeline (", "pipeline as")
_ADAPTER_LOADERS = ("load_lora_weights", "load_textual_inversion", "load_ip_adapter", "load_adapter")
# The model methods any class may have: a project's subclass, a config, a processor, a library not
# listed here. Not on a class defined in the file itself that is no library's ("<local>..."): its own
# from_pretrained is whatever it wrote.
_ANY_CLASS = "[!<]*"
_HF_URL_WORDS = r"huggingface\.co|hf\.co/"
_ST_REPO = "sentence-transformers/"
_LANGCHAIN_ROOTS = ("langchain", "langchain_community", "langchain_huggingface")
_WHISPER_REPO = "Systran/faster-whisper-"
_ADD_URL_MODEL = (
    'declare the file as a hub = "url" model with its sha256 in ptm.toml and load ptmlock.path(...)'
)
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
    # ptmlock's own loader: pinned by ptm.lock by construction, checked against ptm.toml by name.
    LoadApi(
        "ptmlock.torch_hub_load",
        ("ptmlock.torch_hub_load",),
        TORCHHUB,
        DECLARED,
        ("torch_hub_load",),
        model=Arg(0, ("name",)),
    ),
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
    # llama.cpp fetches a file of the repo with no way to name a revision.
    LoadApi(
        "Llama.from_pretrained",
        ("llama_cpp.from_pretrained",),
        HUGGINGFACE,
        REVISION,
        ("from_pretrained",),
        model=Arg(0, ("repo_id",)),
        hint='it takes no revision: fetch the file with hf_hub_download(..., revision="<40-hex commit>") '
        "and pass it as Llama(model_path=...)",
    ),
    LoadApi(
        "modelscope",
        ("modelscope.from_pretrained", "modelscope.snapshot_download", "modelscope.model_file_download"),
        MODELSCOPE,
        REVISION,
        ("from_pretrained", "snapshot_download", "model_file_download"),
        model=Arg(0, ("model_name_or_path", "model_id", "model")),
        revision=_HF_REVISION,
        remote_code="keyword",
    ),
    LoadApi(
        "modelscope.pipeline",
        ("modelscope.pipeline",),
        MODELSCOPE,
        REVISION,
        _PIPELINE_CALLED,
        model=Arg(1, ("model",)),
        revision=("model_revision",),
    ),
    LoadApi(
        "from_pretrained",
        (*(f"{library}.from_pretrained" for library in HF_LIBRARIES), "diffusers.from_single_file"),
        HUGGINGFACE,
        REVISION,
        ("from_pretrained", "from_single_file"),
        model=_HF_ID,
        revision=_HF_REVISION,
        remote_code="keyword",
    ),
    LoadApi(
        "pipeline",
        ("transformers.pipeline",),
        HUGGINGFACE,
        REVISION,
        _PIPELINE_CALLED,
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
        bare_prefix=_ST_REPO,
    ),
    # sentence-transformers modules built by hand: the revision goes in model_args.
    LoadApi(
        "sentence_transformers.models.Transformer",
        ("sentence_transformers.models.Transformer", "sentence_transformers.models.MLMTransformer"),
        HUGGINGFACE,
        REVISION,
        ("sentence_transformers",),  # models.Transformer( lines: found as names imported from it
        model=Arg(0, ("model_name_or_path",)),
        revision_in=("model_args",),
        hint='pass model_args={"revision": "<40-hex commit>"} (and tokenizer_args, config_args alike)',
    ),
    # LangChain's wrappers of sentence-transformers: the revision goes in model_kwargs.
    *(
        LoadApi(
            name,
            tuple(f"{root}.{name}" for root in _LANGCHAIN_ROOTS),
            HUGGINGFACE,
            REVISION,
            (name,),
            model=Arg(None, ("model_name",)),
            revision_in=("model_kwargs",),
            hint='pass model_kwargs={"revision": "<40-hex commit>"}',
            bare_prefix=_ST_REPO,
            default_repo=default,
        )
        for name, default in (
            ("HuggingFaceEmbeddings", "sentence-transformers/all-mpnet-base-v2"),
            ("SentenceTransformerEmbeddings", "sentence-transformers/all-mpnet-base-v2"),
            ("HuggingFaceInstructEmbeddings", "hkunlp/instructor-large"),
            ("HuggingFaceBgeEmbeddings", "BAAI/bge-large-en"),
        )
    ),
    LoadApi(
        "HuggingFacePipeline.from_model_id",
        tuple(f"{root}.HuggingFacePipeline.from_model_id" for root in _LANGCHAIN_ROOTS),
        HUGGINGFACE,
        REVISION,
        ("from_model_id",),
        model=Arg(0, ("model_id",)),
        revision_in=("model_kwargs",),
        hint='pass model_kwargs={"revision": "<40-hex commit>"}',
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
        "WhisperModel",
        ("faster_whisper.WhisperModel",),
        HUGGINGFACE,
        REVISION,
        ("faster_whisper",),  # WhisperModel( lines: found as a name imported from it
        model=Arg(0, ("model_size_or_path",)),
        revision=_HF_REVISION,
        bare_prefix=_WHISPER_REPO,
        # faster_whisper.utils._MODELS: the sizes not named by the prefix rule.
        bare_repos=(
            ("large", "Systran/faster-whisper-large-v3"),
            ("distil-large-v2", "Systran/faster-distil-whisper-large-v2"),
            ("distil-large-v3", "Systran/faster-distil-whisper-large-v3"),
            ("distil-medium.en", "Systran/faster-distil-whisper-medium.en"),
            ("distil-small.en", "Systran/faster-distil-whisper-small.en"),
            ("large-v3-turbo", "mobiuslabsgmbh/faster-whisper-large-v3-turbo"),
            ("turbo", "mobiuslabsgmbh/faster-whisper-large-v3-turbo"),
        ),
    ),
    LoadApi(
        "hf_hub_download",
        (
            "huggingface_hub.hf_hub_download",
            "huggingface_hub.snapshot_download",
            "huggingface_hub.from_pretrained_keras",
            "huggingface_hub.hf_hub_url",
        ),
        HUGGINGFACE,
        REVISION,
        ("hf_hub_download", "snapshot_download", "from_pretrained_keras", "hf_hub_url"),
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
        model=_URL,
        hashes=("hash_prefix",),
        hint="pass check_hash=True with a file named <name>-<sha256 prefix>.<ext> (hash_prefix= for "
        "download_url_to_file), or use an immutable URL",
    ),
    # Downloaders of other libraries: the bytes at a URL, checked by nothing.
    LoadApi(
        "load_file_from_url",
        (f"{_ANY_CLASS}.load_file_from_url", "huggingface_hub.cached_download"),
        URL,
        DOWNLOAD_URL,
        ("load_file_from_url", "cached_download"),
        model=_URL,
    ),
    LoadApi(
        "load_checkpoint",
        ("mmengine.CheckpointLoader.load_checkpoint", "mmcv.CheckpointLoader.load_checkpoint"),
        URL,
        DOWNLOAD_URL,
        ("load_checkpoint",),
        model=Arg(0, ("filename",)),
    ),
    LoadApi(
        "load_checkpoint",
        ("mmengine.load_checkpoint", "mmcv.load_checkpoint"),
        URL,
        DOWNLOAD_URL,
        ("load_checkpoint",),
        model=Arg(1, ("filename",)),
    ),
    LoadApi(
        "gdown",
        ("gdown.download", "gdown.cached_download", "gdown.download_folder"),
        URL,
        DOWNLOAD_URL,
        ("gdown",),
        model=Arg(0, ("url", "id")),
        hashes=("hash", "md5"),
        hint='use gdown.cached_download(..., hash="sha256:<digest>"), or declare the file as a hub = "url" '
        "model with its sha256 in ptm.toml",
    ),
    LoadApi(
        "keras.utils.get_file",
        ("keras.utils.get_file", "tensorflow.keras.utils.get_file", "tensorflow.utils.get_file"),
        URL,
        DOWNLOAD_URL,
        ("get_file(",),  # not get_file_name(...)
        model=Arg(1, ("origin",)),
        hashes=("file_hash", "md5_hash"),
        hint='pass file_hash="<sha256 of the file>"',
    ),
    # General HTTP fetchers: a load when they fetch from the Hugging Face Hub.
    LoadApi(
        "urlretrieve",
        ("urllib.request.urlretrieve", "urllib.request.urlopen", "requests.get", "wget.download"),
        URL,
        DOWNLOAD_URL,
        ("urlretrieve", "urlopen", "requests", "wget"),
        model=_URL,
        hub_urls_only=True,
        requires=_HF_URL_WORDS,
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
    # An installed pipeline package: pip pins its version, loading fetches nothing.
    LoadApi(
        "spacy.load",
        ("spacy.load",),
        PACKAGE,
        CHECKSUM,
        ("spacy",),
        model=Arg(0, ("name",)),
    ),
    LoadApi(
        "spacy.cli.download",
        ("spacy.cli.download", "spacy.download"),
        ARCHIVE,
        NAMED,
        ("spacy",),
        model=Arg(0, ("model",)),
        version_mark="-",
        hint='download "<name>-<version>" with direct=True (or pip-install the package at a version)',
    ),
    LoadApi(
        "gensim.downloader.load",
        ("gensim.downloader.load",),
        ARCHIVE,
        NAMED,
        ("downloader",),
        model=Arg(0, ("name",)),
        hint=_ADD_URL_MODEL + " (gensim-data names no version)",
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
    LoadApi(
        "kagglehub.model_download",
        ("kagglehub.model_download",),
        KAGGLE,
        KAGGLE_HANDLE,
        ("kagglehub",),
        model=Arg(0, ("handle",)),
    ),
    LoadApi(
        "kagglehub.dataset_download",
        ("kagglehub.dataset_download",),
        KAGGLE,
        KAGGLE_HANDLE,
        ("kagglehub",),
        model=Arg(0, ("handle",)),
        kind="dataset",
    ),
    LoadApi(
        "from_preset",
        ("keras_hub.from_preset", "keras_nlp.from_preset", "keras_cv.from_preset"),
        KAGGLE,
        PRESET,
        ("from_preset",),
        model=Arg(0, ("preset",)),
    ),
    LoadApi(
        "YOLO",
        tuple(
            f"ultralytics.{name}"
            for name in ("YOLO", "YOLOE", "YOLOWorld", "RTDETR", "SAM", "FastSAM", "NAS", "models.YOLO")
        ),
        URL,
        RELEASE_ASSET,
        ("ultralytics",),  # YOLO( lines: found as names imported from it
        model=Arg(0, ("model",)),
    ),
    # Datasets by name from a library's index.
    LoadApi(
        "tfds.load",
        ("tensorflow_datasets.load", "tensorflow_datasets.data_source"),
        ARCHIVE,
        NAMED,
        ("tensorflow_datasets",),  # tfds.load: found as the name it is imported as
        model=Arg(0, ("name",)),
        kind="dataset",
        version_mark=":",
        hint='name a full version, e.g. "mnist:3.0.1"',
    ),
    LoadApi(
        "nltk.download",
        ("nltk.download",),
        ARCHIVE,
        NAMED,
        ("nltk",),
        model=Arg(0, ("info_or_id",)),
        kind="dataset",
        hint="nltk_data names no version: ship the data with the project and point nltk.data.path at it",
    ),
    # Any other class (cls, self.model_class, a parameter, a project's subclass, a library not listed):
    # the Hugging Face convention, so a literal hub id or URL is enough evidence; a dynamic one is not.
    LoadApi(
        "from_pretrained",
        (f"{_ANY_CLASS}.from_pretrained", f"{_ANY_CLASS}.from_single_file"),
        HUGGINGFACE,
        REVISION,
        ("from_pretrained", "from_single_file"),
        model=_HF_ID,
        revision=_HF_REVISION,
        remote_code="keyword",
        literal_only=True,
    ),
    # Adapters and embeddings loaded into a built model or pipeline (diffusers, transformers' PEFT
    # integration): a literal hub id is enough evidence.
    LoadApi(
        "load_lora_weights",
        tuple(f"{_ANY_CLASS}.{method}" for method in _ADAPTER_LOADERS),
        HUGGINGFACE,
        REVISION,
        _ADAPTER_LOADERS,
        model=Arg(
            0, ("pretrained_model_name_or_path_or_dict", "pretrained_model_name_or_path", "peft_model_id")
        ),
        revision=_HF_REVISION,
        literal_only=True,
    ),
    LoadApi(
        "from_preset",
        (f"{_ANY_CLASS}.from_preset",),
        KAGGLE,
        PRESET,
        ("from_preset",),
        model=Arg(0, ("preset",)),
        literal_only=True,
    ),
)


def _fits(name: str, glob: str) -> bool:
    """fnmatchcase, without compiling a regex for a glob that is a plain name (most of them)."""
    return fnmatch.fnmatchcase(name, glob) if _is_glob(glob) else name == glob


def _is_glob(text: str) -> bool:
    return "*" in text or "?" in text or "[" in text


class _Pattern(NamedTuple):
    root: str
    middle: tuple[str, ...]
    final: str
    api: LoadApi

    def matches(self, parts: tuple[str, ...]) -> bool:
        if len(parts) < 2 or not _fits(parts[0], self.root):
            return False
        if not _fits(parts[-1], self.final):
            return False
        middle = iter(parts[1:-1])
        return all(any(_fits(part, want) for part in middle) for want in self.middle)


def _index() -> tuple[dict[str, list[_Pattern]], list[_Pattern]]:
    by_final: dict[str, list[_Pattern]] = {}
    globbed: list[_Pattern] = []
    for api in CATALOG:
        for pattern in api.patterns:
            root, *middle, final = pattern.split(".")
            entry = _Pattern(root, tuple(middle), final, api)
            if _is_glob(final):
                globbed.append(entry)
            else:
                by_final.setdefault(final, []).append(entry)
    return by_final, globbed


_BY_FINAL, _GLOBBED = _index()
_PATTERNS = (*(e for v in _BY_FINAL.values() for e in v), *_GLOBBED)
# The libraries whose calls make models (or clients of model hubs): not general HTTP fetchers, and
# not the glob that stands for any class.
ROOTS = frozenset(p.root for p in _PATTERNS if not p.api.hub_urls_only and p.root != _ANY_CLASS)


# Trigger words sharing a part (from_pretrained, from_pretrained_keras): a file without the part
# holds none of them, which one search tells.
_ANCHORS = (
    b"from_",
    b"pipeline",
    b"Encoder",
    b"Transformer",
    b"hub",
    b"url",
    b"clip",
    b"whisper",
    b"download",
)


class TriggerGroup(NamedTuple):
    requires: bytes  # a regex that a file making these calls matches somewhere; empty: any file
    tokens: dict[bytes, tuple[bytes, ...]]  # anchor -> trigger words holding it

    def allows(self, source: bytes) -> bool:
        """Whether a file holding these trigger words can make the calls: it matches ``requires``."""
        return not self.requires or _regex(self.requires).search(source) is not None


@functools.cache
def _regex(pattern: bytes) -> re.Pattern[bytes]:
    # Compiled on first use: most files hold no trigger word of a group that requires anything.
    return re.compile(pattern)


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
        result.append(TriggerGroup(requires.encode(), {a: tuple(w) for a, w in anchored.items()}))
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
        if not _fits(parts[0], entry.root):
            continue
        if entry.matches(parts):
            return True
        if any(t in entry.final for t in entry.api.triggers):
            continue  # the call spells out the final name, a trigger itself
        rest = parts[1:]
        if len(rest) <= len(entry.middle) and all(
            _fits(part, want) for part, want in zip(rest, entry.middle, strict=False)
        ):
            return True
    return False

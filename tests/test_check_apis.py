"""Every download API `ptm check` knows, one snippet each with an unpinned and a pinned (or local)
variant, through the real CLI. Marks as in test_check_snippets: `# expect: PTMxxx` on the line where a
call starts, `# state: pinned|local` for a load found without a finding; other lines give nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.snippets import SHA, check_snippet

HF_MAIN = "https://huggingface.co/org/m/resolve/main/model.bin"
HF_PINNED = f"https://huggingface.co/org/m/resolve/{SHA}/model.bin"

APIS = {
    # --- any class's from_pretrained / from_single_file / from_preset (item 6) ----------------
    "from_pretrained on a class of an unlisted library": f"""
        from mylib.models import Captioner
        Captioner.from_pretrained("org/captioner")  # expect: PTM001
        Captioner.from_pretrained("org/captioner", revision="{SHA}")  # state: pinned
        Captioner.from_pretrained("./weights")  # state: local
        class Settings:  # a class of this file with a from_pretrained of its own: not a hub load
            @classmethod
            def from_pretrained(cls, name):
                return cls()
        Settings.from_pretrained("org/model")
    """,
    "from_pretrained on a project's subclass imported from its package": f"""
        from myproject.modeling import MyBert
        from myproject.processing import MyProcessor
        MyBert.from_pretrained("org/bert", revision="main")  # expect: PTM002
        MyProcessor.from_pretrained("org/bert", revision="{SHA}")  # state: pinned
    """,
    "adapters and embeddings loaded into a pipeline or model": f"""
        from diffusers import DiffusionPipeline
        pipe = DiffusionPipeline.from_pretrained("org/sd", revision="{SHA}")  # state: pinned
        pipe.load_lora_weights("org/lora", weight_name="x.safetensors")  # expect: PTM001
        pipe.load_lora_weights("org/lora", revision="{SHA}")  # state: pinned
        pipe.load_textual_inversion("sd-concepts-library/cat-toy")  # expect: PTM001
        pipe.load_ip_adapter("h94/IP-Adapter", subfolder="models", weight_name="a.bin")  # expect: PTM001
        pipe.load_lora_weights("./loras/style.safetensors")  # state: local
        def add(model, adapter):
            model.load_adapter("org/adapter", revision="main")  # expect: PTM002
            model.load_adapter(adapter)
    """,
    "from_single_file": f"""
        from diffusers import StableDiffusionPipeline
        from mylib import Pipe
        StableDiffusionPipeline.from_single_file("{HF_MAIN}")  # expect: PTM002
        StableDiffusionPipeline.from_single_file("{HF_PINNED}")  # state: pinned
        Pipe.from_single_file("https://huggingface.co/org/m/blob/main/x.safetensors")  # expect: PTM002
        StableDiffusionPipeline.from_single_file("./sd.safetensors")  # state: local
    """,
    "from_pretrained given a Hugging Face URL": f"""
        from transformers import AutoConfig
        AutoConfig.from_pretrained("{HF_MAIN}")  # expect: PTM002
        AutoConfig.from_pretrained("{HF_PINNED}")  # state: pinned
    """,
    # --- Hugging Face URLs wherever a file is fetched (item 6) -------------------------------
    "hf_hub_url and cached_download": f"""
        from huggingface_hub import cached_download, hf_hub_url
        cached_download(hf_hub_url("org/m", "model.bin"))  # expect: PTM001
        url = hf_hub_url("org/m", "model.bin", revision="{SHA}")  # state: pinned
        cached_download(url)
        cached_download("{HF_MAIN}")  # expect: PTM002
        cached_download("{HF_PINNED}")  # state: pinned
    """,
    "Hugging Face URLs wherever a file is fetched": f"""
        import torch
        import urllib.request
        import requests
        import wget
        from urllib.request import urlretrieve as fetch
        urllib.request.urlretrieve("{HF_MAIN}", "model.bin")  # expect: PTM002
        urllib.request.urlretrieve("{HF_PINNED}", "model.bin")  # state: pinned
        fetch("https://hf.co/org/m/resolve/v1.0/model.bin", "model.bin")  # expect: PTM002
        requests.get("{HF_MAIN}", timeout=10)  # expect: PTM002
        requests.get("{HF_PINNED}", timeout=10)  # state: pinned
        requests.get("https://api.example.com/status")
        wget.download("{HF_MAIN}")  # expect: PTM002
        wget.download("{HF_PINNED}")  # state: pinned
        torch.hub.download_url_to_file("{HF_MAIN}", "model.bin")  # expect: PTM002
        torch.hub.download_url_to_file("{HF_PINNED}", "model.bin")  # state: pinned
        def fetch(name, repo):
            requests.get(f"https://huggingface.co/org/m/resolve/main/{{name}}.onnx")  # expect: PTM002
            requests.get("https://huggingface.co/org/m/resolve/{SHA}/" + name)  # state: pinned
            requests.get(f"https://huggingface.co/{{repo}}/resolve/main/{{name}}")
    """,
    "basicsr load_file_from_url": f"""
        from basicsr.utils.download_util import load_file_from_url
        load_file_from_url("https://github.com/x/y/releases/download/v0.1/net.pth")  # expect: PTM001
        load_file_from_url("{HF_PINNED}", model_dir="weights")  # state: pinned
    """,
    "mmengine and mmcv load_checkpoint": f"""
        from mmcv.runner import load_checkpoint as mmcv_load
        from mmengine.runner import load_checkpoint
        load_checkpoint(model, "https://download.openmmlab.com/r50.pth")  # expect: PTM001
        load_checkpoint(model, "{HF_PINNED}")  # state: pinned
        mmcv_load(model, filename="{HF_MAIN}")  # expect: PTM002
        load_checkpoint(model, "work_dirs/latest.pth")  # state: local
    """,
    "gdown": """
        import gdown
        gdown.download("https://drive.google.com/uc?id=1AbC", "w.pth")  # expect: PTM001
        gdown.download(id="1AbC", output="w.pth")  # expect: PTM001
        gdown.cached_download("https://drive.google.com/uc?id=1", "w", hash="sha256:ab12")  # state: pinned
    """,
    # --- more libraries (item 7) ------------------------------------------------------------
    "kagglehub and TF Hub handles on Kaggle": """
        import kagglehub
        import tensorflow_hub as hub
        kagglehub.model_download("google/gemma/pyTorch/2b")  # expect: PTM001
        kagglehub.model_download("google/gemma/pyTorch/2b/1")  # state: pinned
        hub.load("https://www.kaggle.com/models/google/bert/TensorFlow2/en-uncased")  # expect: PTM001
        hub.KerasLayer("https://www.kaggle.com/models/google/bert/TensorFlow2/en-uncased/3")  # state: pinned
    """,
    "keras_hub and keras_nlp presets": """
        import keras_hub
        import keras_nlp
        keras_hub.models.Backbone.from_preset("hf://org/bert")  # expect: PTM001
        keras_hub.models.Backbone.from_preset("kaggle://keras/bert/keras/bert_base_en")  # expect: PTM001
        keras_hub.models.Backbone.from_preset("kaggle://keras/bert/keras/bert_base_en/2")  # state: pinned
        keras_nlp.models.BertClassifier.from_preset("bert_base_en_uncased")  # state: pinned
        keras_hub.models.Backbone.from_preset("./my_preset")  # state: local
    """,
    "from_preset of any class takes hub handles only": """
        from mylib import Tokenizer
        Tokenizer.from_preset("hf://org/tok")  # expect: PTM001
        Tokenizer.from_preset("small")
    """,
    "keras.utils.get_file": """
        import keras
        from tensorflow.keras.utils import get_file
        keras.utils.get_file("w.h5", "https://example.com/w.h5")  # expect: PTM001
        get_file("w.h5", origin="https://example.com/w.h5", file_hash="9f86d081")  # state: pinned
    """,
    "ultralytics": """
        from ultralytics import RTDETR, YOLO
        YOLO("yolov8n.pt")  # expect: PTM001
        RTDETR("rtdetr-l.pt")  # expect: PTM001
        YOLO("runs/detect/train/weights/best.pt")  # state: local
        YOLO("yolov8n.yaml")  # state: local
    """,
    "llama.cpp": f"""
        from llama_cpp import Llama
        from huggingface_hub import hf_hub_download
        Llama.from_pretrained("org/m-GGUF", "*q8_0.gguf")  # expect: PTM001
        Llama(model_path=hf_hub_download("org/m-GGUF", "m.gguf", revision="{SHA}"))  # state: pinned
    """,
    "modelscope": f"""
        from modelscope import AutoModel, snapshot_download
        from modelscope.pipelines import pipeline
        snapshot_download("damo/nlp_model")  # expect: PTM001
        snapshot_download("damo/nlp_model", revision="{SHA}")  # state: pinned
        AutoModel.from_pretrained("damo/nlp_model", revision="v1.0.0")  # expect: PTM002
        pipeline("ocr", model="damo/ocr", model_revision="{SHA}")  # state: pinned
        pipeline("ocr", model="damo/ocr")  # expect: PTM001
    """,
    "sentence-transformers modules": f"""
        from sentence_transformers import SparseEncoder
        from sentence_transformers.models import Transformer
        from sentence_transformers.sparse_encoder.models import MLMTransformer, SpladePooling
        SparseEncoder(modules=[MLMTransformer("org/splade"), SpladePooling("max")])  # expect: PTM001
        Transformer("org/bert", model_args={{"revision": "{SHA}"}})  # state: pinned
        Transformer("org/bert", model_args={{"revision": "main"}})  # expect: PTM002
    """,
    "LangChain's Hugging Face embeddings and pipelines": f"""
        from langchain_community.embeddings import HuggingFaceBgeEmbeddings, HuggingFaceEmbeddings
        from langchain_huggingface import HuggingFaceEmbeddings as Embeddings
        from langchain_huggingface import HuggingFacePipeline
        HuggingFaceEmbeddings(model_name="BAAI/bge-small-en-v1.5")  # expect: PTM001
        Embeddings(model_name="all-MiniLM-L6-v2", model_kwargs={{"revision": "{SHA}"}})  # state: pinned
        Embeddings(model_name="BAAI/bge-small-en-v1.5", model_kwargs={{"revision": "main"}})  # expect: PTM002
        HuggingFaceBgeEmbeddings()  # expect: PTM001
        HuggingFacePipeline.from_model_id(model_id="gpt2", task="text-generation")  # expect: PTM001
        pinned = {{"revision": "{SHA}"}}
        HuggingFacePipeline.from_model_id("gpt2", "text-generation", model_kwargs=pinned)  # state: pinned
    """,
    "faster-whisper": f"""
        from faster_whisper import WhisperModel
        WhisperModel("large-v3")  # expect: PTM001
        WhisperModel("Systran/faster-whisper-small", revision="{SHA}")  # state: pinned
        WhisperModel("/models/whisper")  # state: local
    """,
    "spaCy": """
        import spacy
        from spacy.cli import download
        download("en_core_web_sm")  # expect: PTM001
        spacy.cli.download("en_core_web_sm-3.7.1", direct=True)  # state: pinned
        spacy.load("en_core_web_sm")  # state: pinned
        spacy.load("./training/model-best")  # state: local
    """,
    "gensim downloader": """
        import gensim.downloader as api
        api.load("glove-wiki-gigaword-50")  # expect: PTM001
        api.load(name)  # expect: PTM005
    """,
    # --- datasets (item 8) -----------------------------------------------------------------
    "load_dataset": f"""
        from datasets import load_dataset
        load_dataset("org/data")  # expect: PTM020
        load_dataset("org/data", revision="main")  # expect: PTM020
        load_dataset("org/data", revision="{SHA}")  # state: pinned
        load_dataset("csv", data_files="train.csv")  # state: local
        load_dataset("json", data_files={{"train": "a.jsonl"}})  # state: local
        load_dataset("parquet", data_files="data/*.parquet")  # state: local
        def load(args):
            return load_dataset(args.dataset_name)  # expect: PTM020
    """,
    "dataset repos of huggingface_hub": f"""
        from huggingface_hub import hf_hub_download, snapshot_download
        snapshot_download("org/data", repo_type="dataset")  # expect: PTM020
        snapshot_download("org/data", repo_type="dataset", revision="{SHA}")  # state: pinned
        hf_hub_download("org/data", "train.csv", repo_type="dataset")  # expect: PTM020
    """,
    "a dataset URL": f"""
        import requests
        requests.get("https://huggingface.co/datasets/org/d/resolve/main/train.csv")  # expect: PTM020
        requests.get("https://huggingface.co/datasets/org/d/resolve/{SHA}/train.csv")  # state: pinned
    """,
    "nltk, tfds and Kaggle datasets": """
        import kagglehub
        import nltk
        import tensorflow_datasets as tfds
        nltk.download("punkt")  # expect: PTM020
        nltk.download(["punkt", "wordnet"])  # expect: PTM020
        tfds.load("mnist")  # expect: PTM020
        tfds.load("mnist:3.*.*")  # expect: PTM020
        tfds.load("mnist:3.0.1", split="train")  # state: pinned
        kagglehub.dataset_download("owner/titanic")  # expect: PTM020
        kagglehub.dataset_download("owner/titanic/versions/3")  # state: pinned
    """,
    # --- false positives removed (item 9) ------------------------------------------------------
    "a revision in a helper's **kwargs is not a remote-code error": f"""
        from transformers import AutoModel
        def load(name, **hub_kwargs):
            return AutoModel.from_pretrained(name, trust_remote_code=True, **hub_kwargs)  # expect: PTM005
        def load_known(**kwargs):
            return AutoModel.from_pretrained("org/m", trust_remote_code=True, **kwargs)  # expect: PTM004
        def load_plain(name):
            return AutoModel.from_pretrained(name, trust_remote_code=True)  # expect: PTM005 PTM003
        AutoModel.from_pretrained("org/m", trust_remote_code=True, revision="{SHA}")  # state: pinned
    """,
    "local_files_only reads what is on disk": f"""
        from transformers import AutoModel
        AutoModel.from_pretrained("org/m", local_files_only=True)  # state: local
        AutoModel.from_pretrained("org/m", local_files_only=False)  # expect: PTM001
        AutoModel.from_pretrained("org/m", revision="{SHA}", local_files_only=True)  # state: local
    """,
}


@pytest.mark.parametrize("name", list(APIS))
def test_check_knows_every_download_api(name: str, ptm) -> None:
    check_snippet(APIS[name], ptm)


def test_timm_message_names_the_switch_as_written(ptm) -> None:
    Path("train.py").write_text(
        "import timm\n"
        "def build(args):\n"
        "    return timm.create_model('resnet50', pretrained=args.pretrained)\n"
    )
    out = ptm("check train.py").stdout  # whether it downloads at all is known at run time: a note
    assert "PTM005" in out and "pretrained=args.pretrained, when true, downloads" in out
    assert "pretrained=True" not in out


def test_datasets_rule_can_be_turned_off_alone(ptm) -> None:
    Path("ptm.toml").write_text('[check]\nseverity = { PTM020 = "off" }\n')
    Path("train.py").write_text(
        "from datasets import load_dataset\nfrom transformers import AutoModel\n"
        'load_dataset("org/data")\nAutoModel.from_pretrained("org/m")\n'
    )
    data = json.loads(ptm("check --format json train.py", expect=1).stdout)
    assert [(f["line"], f["code"]) for f in data["findings"]] == [(4, "PTM001"), (4, "PTM010")]
    Path("train.py").write_text('from datasets import load_dataset\nload_dataset("org/data")\n')
    assert json.loads(ptm("check --format json train.py", expect=0).stdout)["findings"] == []


def test_url_findings_name_the_hash_argument_of_their_api(ptm) -> None:
    Path("fetch.py").write_text(
        "import gdown\nimport keras\n"
        'gdown.download(id="1AbC")\n'
        'keras.utils.get_file("w.h5", "https://example.com/w.h5")\n'
    )
    out = ptm("check fetch.py", expect=1).stdout
    assert 'fetch.py:3:1: PTM001 gdown.download(id="1AbC"): ' in out
    assert 'use gdown.cached_download(..., hash="sha256:<digest>")' in out
    assert 'pass file_hash="<sha256 of the file>"' in out


def test_common_words_of_model_code_do_not_make_a_file_worth_parsing() -> None:
    from ptmlock.check.scanner import trigger_offsets

    source = (
        b"import torch\nfrom torch import nn\n\n"
        b"class Transformer(nn.Module):\n    layers = []\n\n"
        b"def restore(model, url='https://example.com/x.pt'):\n"
        b"    model.load_state_dict(torch.load('x.pt'))\n"
        b"    print(requests, SAM, YOLO, keras, get_file_name(url))\n"
    )
    assert trigger_offsets(source) == []

"""Edges inferred from code by data flow: snippet tables whose marks say what each must give.

A load's line names it (``# model: enc``); the line where one model's output reaches another marks the
edge (``# edge: feature-handoff/sequential enc->dec``, optionally ``stage=fine-tuning`` and
``frozen=true``); a mark on a line of its own is the next line's. The edges inferred must be exactly
those marked, each with its marked line among its evidence; a snippet without ``# edge:`` marks must
give none.
"""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import pytest

from ptmlock.check.scanner import scan_source
from ptmlock.dataflow import InferredEdge
from ptmlock.dataflow.bindings import _MAX_DEPTH, ModelBindings
from ptmlock.dataflow.infer import infer

_MODEL = re.compile(r"#\s*model:\s*(\w+)")
_EDGE = re.compile(r"edge:\s*([\w-]+)(?:/(\w+))?\s+(\w+)->(\w+)((?:\s+\w+=[\w-]+)*)")


def _expected(files: dict[str, str]) -> tuple[dict[tuple[str, int], str], list[dict[str, str]]]:
    names: dict[tuple[str, int], str] = {}
    edges = []
    for path, source in files.items():
        lines = source.splitlines()
        for number, line in enumerate(lines, start=1):
            marked = number
            if line.lstrip().startswith("#"):  # a comment line marks the next line
                marked = next(
                    n for n in range(number + 1, len(lines) + 1) if not lines[n - 1].lstrip().startswith("#")
                )
            if found := _MODEL.search(line):
                names[(path, marked)] = found.group(1)
            for kind, mode, source_name, target, extra in _EDGE.findall(line):
                edge = {"kind": kind, "mode": mode or "", "source": source_name, "target": target}
                edge |= dict(pair.split("=") for pair in extra.split())
                edges.append(edge | {"path": path, "line": str(marked)})
    return names, edges


def check_edges(tmp_path: Path, snippet: str | dict[str, str]) -> tuple[InferredEdge, ...]:
    """Write the snippet's files, infer, and compare the edges with the marks."""
    files = {"snippet.py": snippet} if isinstance(snippet, str) else snippet
    files = {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()}
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    names, wanted = _expected(files)
    inference = infer([], tmp_path)

    def name(load_path: str, line: int) -> str:
        relative = Path(load_path).resolve().relative_to(tmp_path.resolve()).as_posix()
        return names.get((relative, line), f"{relative}:{line}")

    got = {
        (name(e.source.path, e.source.line), name(e.target.path, e.target.line), e.kind, e.mode or ""): e
        for e in inference.edges
    }
    assert set(got) == {(w["source"], w["target"], w["kind"], w["mode"]) for w in wanted}
    for want in wanted:
        edge = got[(want["source"], want["target"], want["kind"], want["mode"])]
        assert (want["path"], int(want["line"])) in {(s.path, s.line) for s in edge.evidence}, edge.evidence
        if "stage" in want:
            assert edge.stage == want["stage"]
        if "frozen" in want:
            assert str(edge.guide_frozen).lower() == want["frozen"]
    return inference.edges


HANDOFF = {
    "a DataLoader's batches keep the fields its collate_fn makes (one of two helpers' own collate_fn)": """
        import torch
        from diffusers import AutoencoderKL, UNet2DConditionModel
        from transformers import CLIPTextModel

        vae = AutoencoderKL.from_pretrained("sd-1-5", subfolder="vae")  # model: vae
        text_encoder = CLIPTextModel.from_pretrained("sd-1-5", subfolder="text_encoder")  # model: clip
        unet = UNet2DConditionModel.from_pretrained("sd-1-5", subfolder="unet")  # model: unet


        def train(train_dataset, timesteps):
            cached = []
            for idx in range(len(train_dataset)):
                item = train_dataset[idx]
                item["instance_images"] = vae.encode(item["instance_images"]).latent_dist.sample()
                cached.append(item)

            def collate_fn(examples):
                input_ids = [example["instance_prompt_ids"] for example in examples]
                pixel_values = torch.stack([example["instance_images"] for example in examples])
                return {"input_ids": torch.stack(input_ids), "pixel_values": pixel_values}

            for batch in torch.utils.data.DataLoader(cached, batch_size=2, collate_fn=collate_fn):
                states = text_encoder(batch["input_ids"])[0]
                # edge: feature-handoff/parallel vae->unet
                # edge: feature-handoff/parallel clip->unet
                unet(batch["pixel_values"], timesteps, encoder_hidden_states=states)


        def inpainting_loader(dataset):
            def collate_fn(examples):
                return {"masks": torch.stack([example["mask"] for example in examples])}

            return torch.utils.data.DataLoader(dataset, batch_size=2, collate_fn=collate_fn)
    """,
    "the UNet's denoised views added into slices of a canvas are what the VAE decodes": """
        import torch
        from diffusers import AutoencoderKL, UNet2DConditionModel

        vae = AutoencoderKL.from_pretrained("sd-2-base", subfolder="vae")  # model: vae
        unet = UNet2DConditionModel.from_pretrained("sd-2-base", subfolder="unet")  # model: unet


        def panorama(latent, text_embeds, views, timesteps):
            value = torch.zeros_like(latent)
            for t in timesteps:
                value.zero_()
                for h0, h1, w0, w1 in views:
                    view = latent[:, :, h0:h1, w0:w1]
                    value[:, :, h0:h1, w0:w1] += unet(view, t, encoder_hidden_states=text_embeds).sample
                latent = value
            # edge: feature-handoff/sequential unet->vae
            return vae.decode(latent).sample
    """,
    "a method of a loaded model's class running its layers runs that model on what it is given": """
        import torch
        import whisper
        from huggingface_hub import hf_hub_download
        from torch import nn


        class RQBottleneck(nn.Module):
            def __init__(self, width=384, codes=512):
                super().__init__()
                self.mlp = nn.Linear(width, width)
                self.rq = nn.Embedding(codes, width)
                self.whmodel = None

            @classmethod
            def load_model(cls, repo_id, filename):
                spec = torch.load(hf_hub_download(repo_id=repo_id, filename=filename))  # model: vq
                vqmodel = cls(width=384)
                vqmodel.load_state_dict(spec["state_dict"])
                return vqmodel

            def ensure_whisper(self):
                if self.whmodel is None:
                    self.whmodel = [whisper.load_model("medium.en")]  # model: whisper

            def quantize(self, embs):
                return self.rq(self.mlp(embs)).argmax(-1)

            def describe(self, embs):
                return {"shape": tuple(embs.shape), "mean": float(embs.mean())}

            def encode_mel(self, mel):
                self.ensure_whisper()
                embs = self.whmodel[0].encoder(mel)
                print(self.describe(embs))
                # edge: feature-handoff/sequential whisper->vq
                return self.quantize(embs)
    """,
    "a model a method keeps on its class by name, got through a lazy accessor, runs in another method": """
        from transformers import AutoModel, AutoModelForSequenceClassification


        class SentencePruner:
            _model = None

            def __init__(self, name="naver/provence-reranker-debertav3-v1"):
                self.name = name
                self._ensure_model()

            def _ensure_model(self):
                if SentencePruner._model is not None:
                    return
                SentencePruner._model = AutoModel.from_pretrained(self.name)  # model: pruner

            def prune_documents(self, question, docs):
                texts = [d["text"] for d in docs]
                return [SentencePruner._model.process(question, t) for t in texts]


        class Pipeline:
            def __init__(self):
                # model: reranker
                self.reranker = AutoModelForSequenceClassification.from_pretrained("BAAI/bge-reranker-base")

            def _get_pruner(self):
                if getattr(self, "_pruner", None) is None:
                    self._pruner = SentencePruner()
                return self._pruner

            def run(self, query, docs):
                docs = self.reranker(query, docs)
                pruner = self._get_pruner()
                # edge: feature-handoff/sequential reranker->pruner
                return pruner.prune_documents(query, docs)
    """,
    "the labels a classifier's scores pick are its output (a tagger's tags into a writer's prompt)": """
        from transformers import AutoModelForImageClassification, pipeline

        tagger = AutoModelForImageClassification.from_pretrained("org/wd-tagger")  # model: tagger
        writer = pipeline("text2text-generation", model="google/flan-t5-base")  # model: writer
        TAGS = ["cat", "dog", "tree"]


        def describe(pixels):
            probs = tagger(pixel_values=pixels).logits.sigmoid()[0].tolist()
            chosen = [tag for tag, p in zip(TAGS, probs) if p > 0.5]
            # edge: feature-handoff/sequential tagger->writer
            return writer(", ".join(chosen))
    """,
    "a helper downloading with download_url_to_file returns the model file's path": """
        import os

        from onnxruntime import InferenceSession
        from torch.hub import download_url_to_file
        from transformers import pipeline


        def download_model(url, local_path):
            if os.path.exists(local_path):
                return local_path
            download_url_to_file(url, local_path)  # model: tagger
            return local_path


        tagger = InferenceSession(download_model("https://example.org/tagger-v2.onnx", "tagger.onnx"))
        writer = pipeline("text2text-generation", model="google/flan-t5-base")  # model: writer


        def describe(image):
            probs = tagger.run(None, {"input": image})[0]
            # edge: feature-handoff/sequential tagger->writer
            return writer(f"tags: {probs}")
    """,
    "a text streamer given to generate in a thread yields the model's output": """
        from threading import Thread

        from transformers import AutoModelForCausalLM, AutoTokenizer, TextIteratorStreamer, pipeline

        llm = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2-0.5B-Instruct")  # model: llm
        tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2-0.5B-Instruct")
        tts = pipeline("text-to-speech", model="suno/bark-small")  # model: tts


        def speak(prompt):
            ids = tokenizer(prompt, return_tensors="pt").input_ids
            streamer = TextIteratorStreamer(tokenizer, skip_prompt=True)
            generate_kwargs = dict(input_ids=ids, streamer=streamer, max_new_tokens=64)
            Thread(target=llm.generate, kwargs=generate_kwargs).start()
            for text in streamer:
                # edge: feature-handoff/sequential llm->tts
                yield tts(text)
    """,
    "a model kept in a module-level cache dict by a method is what the cache gives back": """
        from transformers import AutoModel, AutoModelForSequenceClassification

        _MODEL_CACHE = {}


        class Embedder:
            def __init__(self, name):
                if name not in _MODEL_CACHE:
                    _MODEL_CACHE[name] = AutoModel.from_pretrained(name)  # model: embedder
                self.model = _MODEL_CACHE[name]

            def embed(self, texts):
                return self.model(**texts).last_hidden_state


        head = AutoModelForSequenceClassification.from_pretrained("org/topic-head")  # model: head


        def classify(name, texts):
            states = Embedder(name).embed(texts)
            # edge: feature-handoff/sequential embedder->head
            return head(inputs_embeds=states).logits
    """,
    "a model class picked from a registry dict with .get, its model built by a property": """
        import transformers
        from langchain_community.llms import HuggingFacePipeline
        from sentence_transformers import CrossEncoder


        class HuggingFaceModel:
            def __init__(self, config):
                self.config = config

            @property
            def model(self):
                model = transformers.AutoModelForCausalLM.from_pretrained(self.config.name)  # model: llm
                return HuggingFacePipeline(pipeline=transformers.pipeline("text-generation", model=model))


        MODELS = {"hf": HuggingFaceModel}
        reranker = CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2")  # model: reranker


        def get_llm(config):
            model_type = MODELS.get(config.kind, None)
            return model_type(config)


        def answer(config, question, docs):
            scores = reranker.predict([(question, doc) for doc in docs])
            best = [doc for _, doc in sorted(zip(scores, docs), reverse=True)[:3]]
            llm = get_llm(config).model
            # edge: feature-handoff/sequential reranker->llm
            return llm.invoke(f"{best} {question}")
    """,
    "a LangChain chain built around an llm runs it: the retrieved context goes into the llm": """
        from langchain.chains.combine_documents import create_stuff_documents_chain
        from langchain_community.llms import HuggingFacePipeline
        from sentence_transformers import SentenceTransformer
        from transformers import pipeline

        generator = pipeline("text-generation", model="Qwen/Qwen2-0.5B-Instruct")  # model: llm
        embedder = SentenceTransformer("BAAI/bge-small-en-v1.5")  # model: embedder
        chain = create_stuff_documents_chain(llm=HuggingFacePipeline(pipeline=generator), prompt=None)


        def answer(question, corpus, corpus_embeddings):
            hits = (embedder.encode(question) @ corpus_embeddings.T).argsort()[-3:]
            context = [corpus[i] for i in hits]
            # edge: feature-handoff/sequential embedder->llm
            return chain.invoke({"context": context, "question": question})
    """,
    "an instance a helper returns from a global it sets (None until loaded) is of its class": """
        from huggingface_hub import hf_hub_download
        from transformers import DacModel


        class Codec:
            def __init__(self):
                self.dac = DacModel.from_pretrained("descript/dac_44khz")  # model: dac

            def encode(self, wav):
                return self.dac.encode(wav).audio_codes


        class SpeechLM:
            def __init__(self, weights):
                self.codec = Codec()
                self.weights = weights

            @classmethod
            def from_pretrained(cls, repo):
                return cls(hf_hub_download(repo, "model.safetensors"))  # model: lm

            def generate(self, codes):
                return self.backbone(codes, self.weights)


        CURRENT_MODEL = None


        def load_model_if_needed(repo):
            global CURRENT_MODEL
            if CURRENT_MODEL is None:
                CURRENT_MODEL = SpeechLM.from_pretrained(repo)
            return CURRENT_MODEL


        def generate_audio(repo, wav):
            model = load_model_if_needed(repo)
            codes = model.codec.encode(wav)
            # edge: feature-handoff/sequential dac->lm
            return model.generate(codes)
    """,
    "a method that never reads self, called on an object holding a model, runs none": """
        from transformers import pipeline


        class Transcriber:
            def __init__(self):
                self.model = pipeline("automatic-speech-recognition", "openai/whisper-small")  # model: asr

            def transcribe(self, audio):
                return self.model(audio)["text"]

            def dump_transcriptions(self, rows, path):
                with open(path, "w") as f:
                    f.write(", ".join(rows))


        stt = Transcriber()
        translator = pipeline("translation", model="facebook/nllb-200-distilled-600M")  # model: nllb


        def main(audio):
            text = stt.transcribe(audio)
            # edge: feature-handoff/sequential asr->nllb
            translated = translator(text)[0]["translation_text"]
            stt.dump_transcriptions([translated], "out.txt")
    """,
    "an orchestrator's steps run in order: a step reads off self no later step's or other entry's result": """
        from transformers import pipeline


        class Dubber:
            def __init__(self, audio):
                self.asr = pipeline("automatic-speech-recognition", "openai/whisper-small")  # model: asr
                self.translator = pipeline("translation", "facebook/nllb-200-distilled-600M")  # model: nllb
                self.utterances = [audio]

            def run_speech_to_text(self):
                self.utterances = [self.asr(chunk)["text"] for chunk in self.utterances]

            def run_translation(self):
                # edge: feature-handoff/sequential asr->nllb
                self.utterances = [self.translator(text)[0]["translation_text"] for text in self.utterances]

            def run_cleaning(self):
                self.utterances = [text.strip() for text in self.utterances]

            def dub(self):
                self.run_speech_to_text()
                self.run_translation()
                self.run_cleaning()
                return self.utterances

            def update(self, texts):  # another entry point: what it sets, dub's steps never read
                self.log("update")
                self.utterances = [self.translator(text)[0]["translation_text"] for text in texts]
                self.log("translated")
                self.log("done")

            def log(self, text):
                print(text)
    """,
    "two checkpoints of one repo folder (a body and a hand pose net) are two models": """
        import torch
        from huggingface_hub import hf_hub_download

        repo = "lllyasviel/ControlNet"
        body_path = hf_hub_download(repo, "annotator/ckpts/body_pose_model.pth")  # model: body
        hand_path = hf_hub_download(repo, "annotator/ckpts/hand_pose_model.pth")  # model: hand
        body_net = torch.jit.load(body_path)
        hand_net = torch.jit.load(hand_path)


        def detect(image):
            keypoints = body_net(image)
            x, y, w = keypoints[0], keypoints[1], keypoints[2]
            # edge: feature-handoff/sequential body->hand
            return hand_net(image[y : y + w, x : x + w])
    """,
    "models picked by one flag in two if-statements: each configuration's models meet, not the other's": """
        import argparse

        from transformers import AutoModel, AutoModelForImageClassification

        args = argparse.ArgumentParser().parse_args()
        if args.light_mode:
            encoder = AutoModel.from_pretrained("facebook/dinov2-small")  # model: small_encoder
        else:
            encoder = AutoModel.from_pretrained("facebook/dinov2-large")  # model: large_encoder
        if args.light_mode:
            head = AutoModelForImageClassification.from_pretrained("org/head-small")  # model: small_head
        else:
            head = AutoModelForImageClassification.from_pretrained("org/head-large")  # model: large_head


        def classify(pixels):
            features = encoder(pixel_values=pixels).last_hidden_state
            # edge: feature-handoff/sequential small_encoder->small_head
            # edge: feature-handoff/sequential large_encoder->large_head
            return head(inputs_embeds=features).logits
    """,
    "audio features written into slices of the LM's input embeddings inside its forward": """
        import torch
        from transformers import AutoModelForCausalLM, WhisperModel


        class SpeechLM(torch.nn.Module):
            def __init__(self):
                super().__init__()
                # model: whisper
                self.audio_tower = WhisperModel.from_pretrained("openai/whisper-small").encoder
                self.language_model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2-0.5B")  # model: qwen

            def forward(self, input_features, input_ids, starts):
                audio = self.audio_tower(input_features).last_hidden_state
                inputs_embeds = self.language_model.get_input_embeddings()(input_ids)
                for b, start in enumerate(starts):
                    inputs_embeds[b][start : start + audio.shape[1]] = audio[b]
                # edge: feature-handoff/hierarchical whisper->qwen
                return self.language_model(inputs_embeds=inputs_embeds)
    """,
    "an audio tower inside a speech LM a Trainer trains, its collator taken from the model's bundle": """
        import torch
        import transformers
        from transformers import AutoModelForCausalLM, WhisperModel


        class SpeechLM(torch.nn.Module):
            def __init__(self):
                super().__init__()
                # model: whisper
                self.audio_tower = WhisperModel.from_pretrained("openai/whisper-small").encoder
                # model: llama
                self.language_model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B")

            def forward(self, input_features, input_ids):
                audio = self.audio_tower(input_features).last_hidden_state
                text = self.language_model.get_input_embeddings()(input_ids)
                # edge: feature-handoff/hierarchical whisper->llama
                return self.language_model(inputs_embeds=torch.cat([audio, text], dim=1))


        class ModelPack:
            def __init__(self):
                self.model = SpeechLM()
                self.data_collator = transformers.DataCollatorWithPadding(tokenizer=None)


        def main(dataset):
            pack = ModelPack()
            collator = pack.data_collator
            trainer = transformers.Trainer(model=pack.model, train_dataset=dataset, data_collator=collator)
            trainer.train()
    """,
    "texts perturbed through a partial of the mask-filling function, each scored by the base model": """
        import functools

        import torch
        import transformers


        def replace_masks(texts):
            tokens = mask_tokenizer(texts, return_tensors="pt", padding=True)
            outputs = mask_model.generate(**tokens, max_length=150, do_sample=True)
            return mask_tokenizer.batch_decode(outputs, skip_special_tokens=False)


        def perturb_texts(texts, span_length=2):
            masked = [" ".join(t.split()[:span_length] + ["<extra_id_0>"]) for t in texts]
            return replace_masks(masked)


        def get_ll(text):
            with torch.no_grad():
                tokenized = base_tokenizer(text, return_tensors="pt")
                # edge: feature-handoff/sequential mask->base
                return -base_model(**tokenized, labels=tokenized.input_ids).loss.item()


        def perturbation_results(texts, n=10):
            perturb_fn = functools.partial(perturb_texts, span_length=2)
            perturbed = perturb_fn([x for x in texts for _ in range(n)])
            return [get_ll(text) for text in perturbed]


        if __name__ == "__main__":
            base_model = transformers.AutoModelForCausalLM.from_pretrained("gpt2-xl")  # model: base
            base_tokenizer = transformers.AutoTokenizer.from_pretrained("gpt2-xl")
            mask_model = transformers.AutoModelForSeq2SeqLM.from_pretrained("t5-large")  # model: mask
            mask_tokenizer = transformers.AutoTokenizer.from_pretrained("t5-large")
            perturbation_results(["a text"])
    """,
    "a sampler built around the denoiser's function: its conditioning enters the denoiser, not the VAE": """
        import torch
        from diffusers import AutoencoderKL, UNet2DConditionModel
        from transformers import CLIPTextModel

        from ldm.samplers import DDIMSampler

        text_encoder = CLIPTextModel.from_pretrained("org/sd", subfolder="text_encoder")  # model: text
        unet = UNet2DConditionModel.from_pretrained("org/sd", subfolder="unet")  # model: unet
        vae = AutoencoderKL.from_pretrained("org/sd", subfolder="vae")  # model: vae


        @torch.no_grad()
        def generate(ids, steps=50):
            conditioning = {"encoder_hidden_states": text_encoder(ids)[0]}

            def model_fn(x, t, **kwargs):
                return unet(x, t, **kwargs).sample

            sampler = DDIMSampler(model=model_fn, schedule="linear")
            # edge: feature-handoff/sequential text->unet
            samples, _ = sampler.sample(steps, 1, (4, 64, 64), conditioning=conditioning)
            return vae.decode(samples / 0.18215).sample  # edge: feature-handoff/sequential unet->vae
    """,
    "a helper's **kwargs hand the text encoder's states on to the denoiser it calls": """
        import torch
        from diffusers import UNet2DConditionModel
        from transformers import CLIPTextModel

        text_encoder = CLIPTextModel.from_pretrained("org/sd", subfolder="text_encoder")  # model: text
        unet = UNet2DConditionModel.from_pretrained("org/sd", subfolder="unet")  # model: unet


        def denoise(latents, t, **conditioning):
            return unet(latents, t, **conditioning).sample  # edge: feature-handoff/sequential text->unet


        @torch.no_grad()
        def sample(ids, latents, timesteps):
            states = text_encoder(ids)[0]
            for t in timesteps:
                latents = denoise(latents, t, encoder_hidden_states=states)
            return latents
    """,
    "latents decoded only when asked are the VAE's input, not an output it rewrites": """
        import torch
        from diffusers import UNet2DModel, VQModel

        unet = UNet2DModel.from_pretrained("org/ldm", subfolder="unet")  # model: unet
        movq = VQModel.from_pretrained("org/ldm", subfolder="movq")  # model: movq


        @torch.no_grad()
        def generate(latents, timesteps, decode=True):
            for t in timesteps:
                latents = latents - unet(latents, t).sample
            if decode:
                # edge: feature-handoff/sequential unet->movq
                latents = movq.decode(latents, force_not_quantize=True)
            return latents
    """,
    "sequential, not parallel: one of several answer models picked by name, its answer mapped on": """
        from transformers import AutoModel, BlipForQuestionAnswering, ViltForQuestionAnswering

        vqa_models = {"blip": ("BLIP", "Salesforce/blip-vqa-base"), "vilt": ("VILT", "dandelin/vilt-b32")}

        class BLIP:
            def __init__(self, ckpt):
                self.model = BlipForQuestionAnswering.from_pretrained(ckpt)  # model: blip

            def vqa(self, image, question):
                return self.model.generate(image, question)

        class VILT:
            def __init__(self, ckpt):
                self.model = ViltForQuestionAnswering.from_pretrained(ckpt)  # model: vilt

            def vqa(self, image, question):
                return self.model(image, question).logits.argmax(-1)

        class VQAModel:
            def __init__(self, name):
                class_name, ckpt = vqa_models[name]
                self.model = eval(class_name)(ckpt)
                self.sbert = AutoModel.from_pretrained("sentence-transformers/all-MiniLM-L6")  # model: sbert

            def multiple_choice(self, image, question, choices):
                answer = self.model.vqa(image, question)
                # edge: feature-handoff/sequential blip->sbert, edge: feature-handoff/sequential vilt->sbert
                return self.sbert([answer, *choices])
    """,
    "a VAD held on self by unpacking a hub load's (model, utils) segments what the ASR model hears": """
        import torch
        from transformers import pipeline

        class Transcriber:
            def __init__(self):
                # model: vad
                self.vad, utils = torch.hub.load("snakers4/silero-vad:v5.1", "silero_vad")
                (self.speech_timestamps, _) = utils
                self.asr = pipeline("automatic-speech-recognition", model="openai/whisper-tiny")  # model: asr

            def transcribe(self, audio):
                spans = self.speech_timestamps(audio, model=self.vad)
                # edge: feature-handoff/sequential vad->asr
                return [self.asr(audio[s["start"] : s["end"]]) for s in spans]
    """,
    "a pipeline built of loaded parts runs its UNet on what it is given and its VAE on the latents": """
        import torch
        from diffusers import AutoencoderKL, StableDiffusionPipeline, UNet2DConditionModel
        from transformers import CLIPTextModel, CLIPTokenizer

        repo = "stable-diffusion-v1-5/stable-diffusion-v1-5"
        tokenizer = CLIPTokenizer.from_pretrained(repo, subfolder="tokenizer")
        text_encoder = CLIPTextModel.from_pretrained(repo, subfolder="text_encoder")  # model: te
        vae = AutoencoderKL.from_pretrained(repo, subfolder="vae")  # model: vae
        unet = UNet2DConditionModel.from_pretrained(repo, subfolder="unet")  # model: unet
        upscaler = StableDiffusionPipeline.from_pretrained("stabilityai/sd-x2-latent-upscaler")  # model: up
        pipe = StableDiffusionPipeline(
            vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, scheduler=None,
            safety_checker=None, feature_extractor=None,
        )

        @torch.inference_mode()
        def relight(ids, foreground):
            conds = text_encoder(ids).last_hidden_state
            concat = vae.encode(foreground).latent_dist.mode()
            # edge: feature-handoff/parallel te->unet, edge: feature-handoff/parallel vae->unet
            latents = pipe(prompt_embeds=conds, cross_attention_kwargs={"c": concat}, output_type="latent")
            pixels = vae.decode(latents.images).sample  # edge: feature-handoff/sequential unet->vae
            return pixels

        def draw(prompt):
            images = pipe(prompt=prompt).images
            return upscaler(image=images).images  # edge: post-processing vae->up
    """,
    "a pipeline loaded with parts runs them: encode_prompt, IP-Adapter image, VAE both ways": """
        from diffusers import AutoencoderKL, StableDiffusionXLPipeline, UNet2DConditionModel
        from transformers import CLIPTextModel, CLIPTextModelWithProjection, CLIPVisionModelWithProjection

        base = "yisol/IDM-VTON"
        unet = UNet2DConditionModel.from_pretrained(base, subfolder="unet")  # model: unet
        text_encoder = CLIPTextModel.from_pretrained(base, subfolder="text_encoder")  # model: te
        # model: te2
        text_encoder_2 = CLIPTextModelWithProjection.from_pretrained(base, subfolder="text_encoder_2")
        # model: ie
        image_encoder = CLIPVisionModelWithProjection.from_pretrained(base, subfolder="image_encoder")
        vae = AutoencoderKL.from_pretrained(base, subfolder="vae")  # model: vae
        pipe = StableDiffusionXLPipeline.from_pretrained(
            base, unet=unet, vae=vae, text_encoder=text_encoder, text_encoder_2=text_encoder_2,
            image_encoder=image_encoder,
        ).to("cuda")

        def try_on(person, garment, description):
            embeds, negative, pooled, negative_pooled = pipe.encode_prompt(description)
            # edge: feature-handoff/parallel te->unet, edge: feature-handoff/parallel te2->unet
            # edge: feature-handoff/parallel ie->unet, edge: feature-handoff/parallel vae->unet
            # edge: feature-handoff/sequential unet->vae
            images = pipe(
                prompt_embeds=embeds, pooled_prompt_embeds=pooled, image=person, ip_adapter_image=garment,
            ).images
            return images[0]
    """,
    "a pipeline loaded with its own repo's VAE and UNet: the VAE decodes the UNet's latents": """
        from diffusers import AutoencoderKL, StableDiffusionPipeline, UNet2DConditionModel

        vae = AutoencoderKL.from_pretrained(args.base, subfolder="vae")  # model: vae
        unet = UNet2DConditionModel.from_pretrained(args.base, subfolder="unet")  # model: unet
        pipe = StableDiffusionPipeline.from_pretrained(args.base, vae=vae, unet=unet)
        pipe("a cat")  # edge: feature-handoff/sequential unet->vae
    """,
    "a nested loop target takes its parts: for i, (caption, image) in enumerate(zip(...))": """
        from diffusers import CogVideoXImageToVideoPipeline, DiffusionPipeline
        from transformers import pipeline

        captioner = pipeline("text-generation", model="THUDM/glm-4-9b-chat")  # model: llm
        painter = DiffusionPipeline.from_pretrained("black-forest-labs/FLUX.1-dev")  # model: flux
        animator = CogVideoXImageToVideoPipeline.from_pretrained("THUDM/CogVideoX-5b-I2V")  # model: i2v

        def main(count):
            captions = [captioner("Describe a scene.")[0]["generated_text"] for _ in range(count)]
            # edge: feature-handoff/sequential llm->flux
            images = [painter(prompt=c).images[0] for c in captions]
            for index, (caption, image) in enumerate(zip(captions, images)):
                # edge: feature-handoff/parallel llm->i2v, edge: feature-handoff/parallel flux->i2v
                video = animator(image=image, prompt=caption).frames[0]
                export(video, index)
    """,
    "a VAE a text-to-image pipeline is loaded with decodes; an img2img pipeline's also encodes": """
        from diffusers import AutoencoderKL, StableDiffusionImg2ImgPipeline, StableDiffusionPipeline

        vae = AutoencoderKL.from_pretrained("stabilityai/sd-vae-ft-mse")  # model: vae
        # edge: feature-handoff/sequential t2i->vae
        t2i = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5", vae=vae)  # model: t2i
        # edge: feature-handoff/sequential i2i->vae, edge: feature-handoff/hierarchical vae->i2i
        i2i = StableDiffusionImg2ImgPipeline.from_pretrained("stabilityai/sd-turbo", vae=vae)  # model: i2i
    """,
    "a ControlNet pipeline of parts: its image conditions the ControlNet, its own VAE only decodes": """
        from diffusers import AutoencoderKL, ControlNetModel, UNet2DConditionModel
        from diffusers import StableDiffusionXLControlNetPipeline as Pipeline

        base = "stabilityai/stable-diffusion-xl-base-1.0"
        unet = UNet2DConditionModel.from_pretrained(base, subfolder="unet")  # model: unet
        vae = AutoencoderKL.from_pretrained("madebyollin/sdxl-vae-fp16-fix")  # model: vae
        controlnet = ControlNetModel.from_pretrained("diffusers/controlnet-canny-sdxl-1.0")  # model: cn
        # edge: feature-handoff/sequential sdxl->vae, edge: feature-handoff/hierarchical cn->sdxl
        pipe = Pipeline.from_pretrained(base, unet=unet, controlnet=controlnet, vae=vae)  # model: sdxl

        def draw(prompt, edges):
            return pipe(prompt, image=edges).images[0]  # edge: feature-handoff/sequential unet->vae
    """,
    "a model a function sets as a module global feeds the model another function calls": """
        from transformers import AutoModel, AutoTokenizer, pipeline

        DENSE_MODEL = None
        generator = pipeline("text-generation", model="Qwen/Qwen2-0.5B-Instruct")  # model: qwen

        def initialize(name="BAAI/bge-small-en"):
            global DENSE_MODEL
            DENSE_MODEL = AutoModel.from_pretrained(name)  # model: bge
            DENSE_MODEL.eval()

        def embed(texts):
            return DENSE_MODEL(**tokenize(texts)).last_hidden_state.mean(1)

        def answer(question, chunks, index):
            hits = index.search(embed([question]), 3)[1][0]
            context = " ".join(chunks[i] for i in hits)
            return generator(f"{context} {question}")  # edge: feature-handoff/sequential bge->qwen
    """,
    "a helper calling the model it is given pairs each caller's models, not another caller's": """
        from transformers import AutoModelForMultipleChoice, AutoModelForSeq2SeqLM

        def answering(a_model, question, options):
            # edge: feature-handoff/sequential g1->a, edge: feature-handoff/sequential g2->b
            return a_model(question=question, options=options).logits.softmax(-1)

        class SelfCheck:
            def __init__(self):
                self.g1 = AutoModelForSeq2SeqLM.from_pretrained("potsawee/t5-race")  # model: g1
                self.a = AutoModelForMultipleChoice.from_pretrained("potsawee/longformer-race")  # model: a

            def score(self, ids, options):
                return answering(self.a, self.g1.generate(ids), options)

        class Baseline:
            def __init__(self):
                self.g2 = AutoModelForSeq2SeqLM.from_pretrained("google/flan-t5-small")  # model: g2
                self.b = AutoModelForMultipleChoice.from_pretrained("allenai/longformer-base")  # model: b

            def score(self, ids, options):
                return answering(self.b, self.g2.generate(ids), options)
    """,
    "self(x) in a transformers Pipeline subclass runs its preprocess and _forward": """
        import torch
        from transformers import Pipeline, WhisperForConditionalGeneration

        class Segmenter:
            def __init__(self):
                self.model = torch.hub.load("snakers4/silero-vad:v5.1", "silero_vad")  # model: vad

            def __call__(self, audio):
                return [s for s in self.model(audio) if s["end"] > s["start"]]

        class BatchedASR(Pipeline):
            def __init__(self, model, segmenter):
                self.model = model
                self.segmenter = segmenter

            def preprocess(self, item):
                return {"features": item["audio"] * 2}

            def _forward(self, inputs):
                # edge: feature-handoff/sequential vad->whisper
                return self.model.generate(inputs["features"])

            def postprocess(self, outputs):
                return outputs

            def transcribe(self, audio):
                def pieces(segments):
                    for s in segments:
                        yield {"audio": audio[s["start"] : s["end"]]}

                return list(self.__call__(pieces(self.segmenter(audio))))

        def load():
            whisper = WhisperForConditionalGeneration.from_pretrained("openai/whisper-tiny")  # model: whisper
            return BatchedASR(whisper, Segmenter())
    """,
    "sequential: a LangChain retrieval chain of an embedding model's retriever and a language model": """
        from langchain.chains import RetrievalQA
        from langchain_community.vectorstores import FAISS
        from langchain_huggingface import HuggingFaceEmbeddings, HuggingFacePipeline

        # model: minilm
        embeddings = HuggingFaceEmbeddings(model_name="sentence-transformers/all-MiniLM-L6-v2")
        # model: mistral
        llm = HuggingFacePipeline.from_model_id("mistralai/Mistral-7B-Instruct-v0.2", "text-generation")

        def answer(docs, question):
            db = FAISS.from_documents(docs, embeddings)
            # edge: feature-handoff/sequential minilm->mistral
            qa = RetrievalQA.from_chain_type(llm=llm, retriever=db.as_retriever(search_kwargs={"k": 4}))
            return qa.invoke(question)["result"]
    """,
    "sequential: outputs of lambdas mapped over a list, a dataset, a series, and of UI events": """
        import gradio as gr
        import pandas as pd
        from datasets import load_dataset
        from diffusers import StableDiffusionPipeline
        from transformers import AutoModel, pipeline

        asr = pipeline("automatic-speech-recognition", model="openai/whisper-small")  # model: whisper
        summarizer = pipeline("summarization", model="facebook/bart-large-cnn")  # model: bart
        captioner = pipeline("image-to-text", model="Salesforce/blip-image-captioning-base")  # model: blip
        encoder = AutoModel.from_pretrained("sentence-transformers/all-MiniLM-L6-v2")  # model: minilm
        translator = pipeline("translation", model="Helsinki-NLP/opus-mt-de-en")  # model: opus
        # model: sst
        classifier = pipeline("text-classification", model="distilbert-base-uncased-finetuned-sst-2-english")
        sd = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd

        def summarize(paths):
            texts = list(map(lambda p: asr(p)["text"], paths))
            return summarizer(" ".join(texts))  # edge: feature-handoff/sequential whisper->bart

        def index(name):
            ds = load_dataset(name, split="train")
            ds = ds.map(lambda batch: {"caption": captioner(batch["image"])}, batched=True)
            return encoder(ds["caption"])  # edge: feature-handoff/sequential blip->minilm

        def annotate(path):
            df = pd.read_csv(path)
            df["english"] = df["text"].apply(lambda t: translator(t)[0]["translation_text"])
            df["label"] = df["english"].apply(classifier)  # edge: feature-handoff/sequential opus->sst
            return df

        with gr.Blocks() as demo:
            image, prompt, result = gr.Image(type="pil"), gr.Textbox(), gr.Image()
            image.upload(lambda im: captioner(im)[0]["generated_text"], inputs=image, outputs=prompt)
            # edge: feature-handoff/sequential blip->sd
            prompt.submit(lambda text: sd(text).images[0], [prompt], [result])
    """,
    "sequential: prompt embeddings through a helper that takes them as *pairs": """
        import torch
        from diffusers import DiffusionPipeline, UNet2DConditionModel

        unet = UNet2DConditionModel.from_pretrained("org/sd", subfolder="unet")  # model: unet
        encoder = DiffusionPipeline.from_pretrained("org/sd", unet=None)  # model: encoder

        def concat_batches(*pairs):
            return torch.cat([embeds for embeds, _ in pairs], dim=0)

        def step(x, t, prompt):
            embeds, mask = encoder.encode_prompt(prompt)
            both = concat_batches(*[(embeds, mask)] * 2)
            return unet(x, t, encoder_hidden_states=both)  # edge: feature-handoff/sequential encoder->unet
    """,
    "sequential: a method handed to a thread with a queue, and models run by asyncio.to_thread": """
        import asyncio
        import queue
        import threading

        from transformers import pipeline

        class Assistant:
            def __init__(self):
                # model: whisper
                self.asr = pipeline("automatic-speech-recognition", model="openai/whisper-small")
                self.llm = pipeline("text-generation", model="gpt2")  # model: gpt2

            def reply_loop(self, texts):
                while True:
                    print(self.llm(texts.get()))  # edge: feature-handoff/sequential whisper->gpt2

            def start(self, audio):
                texts = queue.Queue()
                threading.Thread(target=self.reply_loop, args=(texts,), daemon=True).start()
                texts.put(self.asr(audio)["text"])

        tts = pipeline("text-to-speech", model="suno/bark-small")  # model: bark
        asr = pipeline("automatic-speech-recognition", model="openai/whisper-tiny")  # model: tiny

        async def echo(audio):
            text = await asyncio.to_thread(asr, audio)
            return await asyncio.to_thread(tts, text["text"])  # edge: feature-handoff/sequential tiny->bark
    """,
    "sequential: models kept as keyword fields of a namespace and of a dataclass, called by field": """
        from dataclasses import dataclass
        from types import SimpleNamespace

        from transformers import AutoModel, pipeline

        models = SimpleNamespace(
            captioner=pipeline("image-to-text", model="Salesforce/blip-image-captioning-base"),  # model: blip
            embedder=AutoModel.from_pretrained("sentence-transformers/all-MiniLM-L6-v2"),  # model: minilm
        )

        @dataclass
        class Speech:
            asr: object
            tts: object

        speech = Speech(
            asr=pipeline("automatic-speech-recognition", model="openai/whisper-small"),  # model: whisper
            tts=pipeline("text-to-speech", model="suno/bark-small"),  # model: bark
        )

        def index(image):
            text = models.captioner(image)[0]["generated_text"]
            return models.embedder(text)  # edge: feature-handoff/sequential blip->minilm

        def echo(audio):
            return speech.tts(speech.asr(audio)["text"])  # edge: feature-handoff/sequential whisper->bark
    """,
    "sequential: a Gradio app's caption written into a textbox the generate button reads": """
        import gradio as gr
        from diffusers import StableDiffusionPipeline
        from transformers import BlipForConditionalGeneration, BlipProcessor, pipeline

        processor = BlipProcessor.from_pretrained("Salesforce/blip-image-captioning-base")
        # model: blip
        blip = BlipForConditionalGeneration.from_pretrained("Salesforce/blip-image-captioning-base")
        sd = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd
        classifier = pipeline("image-classification", model="google/vit-base-patch16-224")  # model: vit

        def caption(image):
            out = blip.generate(**processor(image, return_tensors="pt"))
            return processor.decode(out[0], skip_special_tokens=True), "captioned"

        def generate(prompt, n):
            return sd(prompt, num_inference_steps=n).images[0]  # edge: feature-handoff/sequential blip->sd

        def label(image):
            return classifier(image)  # edge: feature-handoff/sequential sd->vit

        with gr.Blocks() as demo:
            source = gr.Image(type="pil")
            prompt, status = gr.Textbox(), gr.Textbox()
            steps = gr.Slider(1, 50)
            result = gr.Image()
            labels = gr.JSON()
            gr.Button("Caption").click(caption, inputs=[source], outputs=[prompt, status])
            run = gr.Button("Generate").click(fn=generate, inputs=[prompt, steps], outputs=result)
            run.then(label, result, labels)
            gr.Button("Label the source").click(label, [source], [labels])
            status.change(label, inputs=status, outputs=labels)
    """,
    "sequential: worker threads joined by queues each keeps with one tuple assignment": """
        import queue
        import threading

        from transformers import pipeline

        class Transcriber:
            def __init__(self, q_in, q_out):
                # model: whisper
                self.asr = pipeline("automatic-speech-recognition", model="openai/whisper-small")
                self.q_in, self.q_out = q_in, q_out

            def run(self):
                while True:
                    self.q_out.put(self.asr(self.q_in.get())["text"])

        class Responder:
            def __init__(self, q_in, q_out):
                self.llm = pipeline("text-generation", model="gpt2")  # model: gpt2
                self.q_in, self.q_out = q_in, q_out

            def run(self):
                while True:
                    text = self.q_in.get()
                    self.q_out.put(self.llm(text))  # edge: feature-handoff/sequential whisper->gpt2

        audio_q, text_q, reply_q = queue.Queue(), queue.Queue(), queue.Queue()
        for worker in (Transcriber(audio_q, text_q), Responder(text_q, reply_q)):
            threading.Thread(target=worker.run).start()
    """,
    "sequential: of (transcript, path) pairs the transcript is summarized, the diarizer reads the path": """
        import whisper
        from pyannote.audio import Pipeline
        from transformers import pipeline

        asr = whisper.load_model("large-v2")  # model: whisper
        diarizer = Pipeline.from_pretrained("pyannote/speaker-diarization-3.1")  # model: pyannote
        summarizer = pipeline("summarization", model="facebook/bart-large-cnn")  # model: bart

        def transcribe_all(paths):
            results = []
            for path in paths:
                results.append((asr.transcribe(path), path))
            for result, path in results:
                print(diarizer(path), result["text"])
            pairs = [(asr.transcribe(p), p) for p in paths] or [(None, "silence.wav")]
            for text, p in pairs:
                diarizer(p)
                summarizer(text["text"])  # edge: feature-handoff/sequential whisper->bart
            diarizer(results[0][1])
            diarizer(pairs[-1][1])
    """,
    "sequential: a reply measured by BLEU and also spoken is handed on, not only scored": """
        import sacrebleu
        from transformers import pipeline

        asr = pipeline("automatic-speech-recognition", model="openai/whisper-small")  # model: whisper
        llm = pipeline("text-generation", model="Qwen/Qwen2-0.5B-Instruct")  # model: qwen

        def respond(audio, reference):
            text = asr(audio)["text"]
            reply = llm(text)[0]["generated_text"]  # edge: feature-handoff/sequential whisper->qwen
            bleu = sacrebleu.sentence_bleu(reply, [reference])
            speak(reply)
            print(bleu.score)
    """,
    "sequential: an editor's output summed for its lengths and cut by a helper is kept, not a score": """
        from transformers import AutoModelForCausalLM

        policy = AutoModelForCausalLM.from_pretrained("gpt2")  # model: policy
        editor = AutoModelForCausalLM.from_pretrained("facebook/opt-350m")  # model: opt
        cache = {}

        def rewrite(key, ids):
            draft = policy.generate(ids)
            out = editor.generate(draft)  # edge: feature-handoff/sequential policy->opt
            lengths = (out != 0).sum(-1)
            cache[key] = truncate(out, lengths)
    """,
    "sequential: CLIP's image features of the generated images logged and also saved for retrieval": """
        import torch
        import wandb
        from diffusers import StableDiffusionPipeline
        from transformers import CLIPModel, CLIPProcessor

        pipe = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd
        clip = CLIPModel.from_pretrained("openai/clip-vit-base-patch32")  # model: clip
        proc = CLIPProcessor.from_pretrained("openai/clip-vit-base-patch32")

        def generate_and_index(prompts):
            images = pipe(prompts).images
            # edge: feature-handoff/sequential sd->clip
            features = clip.get_image_features(**proc(images=images, return_tensors="pt"))
            wandb.log({"norm": features.norm(dim=-1).mean()})
            torch.save(features, "index.pt")
    """,
    "sequential: a tracker matches the detector's boxes by a re-ID model's features (no scores ranked)": """
        from scipy.optimize import linear_sum_assignment
        from transformers import AutoModel, AutoModelForObjectDetection

        detector = AutoModelForObjectDetection.from_pretrained("facebook/detr-resnet-50")  # model: detr
        reid = AutoModel.from_pretrained("microsoft/resnet-50")  # model: reid

        def track(frame, tracks):
            boxes = detector(pixel_values=frame).pred_boxes[0]
            # edge: feature-handoff/sequential detr->reid
            features = reid(pixel_values=crop(frame, boxes)).pooler_output
            rows, cols = linear_sum_assignment(cost(features, tracks))
            return boxes[rows], cols
    """,
    "sequential: a frozen UNet run on the trained ControlNet's residuals, its prediction the loss": """
        import torch
        import torch.nn.functional as F
        from diffusers import ControlNetModel, UNet2DConditionModel

        # model: unet
        unet = UNet2DConditionModel.from_pretrained("runwayml/stable-diffusion-v1-5", subfolder="unet")
        controlnet = ControlNetModel.from_pretrained("lllyasviel/sd-controlnet-canny")  # model: cn
        unet.requires_grad_(False)
        optimizer = torch.optim.AdamW(controlnet.parameters())

        def train(loader):
            for batch in loader:
                down, mid = controlnet(batch["noisy"], batch["t"], batch["text"], batch["cond"])
                model_pred = unet(  # edge: feature-handoff/sequential cn->unet stage=fine-tuning
                    batch["noisy"], batch["t"], batch["text"],
                    down_block_additional_residuals=down, mid_block_additional_residual=mid,
                ).sample
                loss = F.mse_loss(model_pred, batch["target"])
                loss.backward()
                optimizer.step()
    """,
    "sequential: SAM's own IoU scores pick among its masks, the boxes' handoff stays a handoff": """
        from transformers import AutoModelForZeroShotObjectDetection, SamModel

        # model: dino
        dino = AutoModelForZeroShotObjectDetection.from_pretrained("IDEA-Research/grounding-dino-tiny")
        sam = SamModel.from_pretrained("facebook/sam-vit-base")  # model: sam

        def segment(inputs, image):
            boxes = dino(**inputs).pred_boxes
            out = sam(pixel_values=image, input_boxes=boxes)  # edge: feature-handoff/sequential dino->sam
            masks, scores = out.pred_masks, out.iou_scores
            return masks[scores.argmax()]
    """,
    "sequential: a VAD's speech timestamps cut the audio an STT transcribes (no post-processing)": """
        from transformers import pipeline

        vad = pipeline("voice-activity-detection", model="pyannote/segmentation-3.0")  # model: vad
        asr = pipeline("automatic-speech-recognition", model="openai/whisper-small")  # model: whisper

        def transcribe(audio):
            speech = vad(audio)
            segments = [audio[s["start"] : s["end"]] for s in speech]
            # edge: feature-handoff/sequential vad->whisper
            return [asr(segment)["text"] for segment in segments]
    """,
    "sequential: a loop carrying the detector's and the captioner's outputs in one name orders nothing": """
        from transformers import AutoModelForZeroShotObjectDetection, Blip2ForConditionalGeneration

        # model: dino
        detector = AutoModelForZeroShotObjectDetection.from_pretrained("IDEA-Research/grounding-dino-base")
        captioner = Blip2ForConditionalGeneration.from_pretrained("Salesforce/blip2-opt-2.7b")  # model: blip

        for image in images:
            outputs = detector(pixel_values=image)
            results = post_process(outputs)
            boxes = results[0]["boxes"]
            boxes = boxes[nms(boxes, results[0]["scores"])]
            for box in boxes:
                # edge: feature-handoff/sequential dino->blip
                outputs = captioner.generate(pixel_values=crop(image, box))
                print(outputs)
    """,
    "sequential: whisper's transcript cut from the audio by its timestamps into wav2vec2 for alignment": """
        import whisper
        from transformers import Wav2Vec2ForCTC, Wav2Vec2Processor

        asr = whisper.load_model("base")  # model: whisper
        processor = Wav2Vec2Processor.from_pretrained("facebook/wav2vec2-base-960h")
        aligner = Wav2Vec2ForCTC.from_pretrained("facebook/wav2vec2-base-960h")  # model: w2v

        def align(audio, rate=16000):
            result = asr.transcribe(audio)
            words = []
            for segment in result["segments"]:
                chunk = audio[int(segment["start"] * rate) : int(segment["end"] * rate)]
                inputs = processor(chunk, sampling_rate=rate, return_tensors="pt")
                # edge: feature-handoff/sequential whisper->w2v stage=inference
                logits = aligner(inputs.input_values).logits
                words.append(logits.argmax(-1))
            return words
    """,
    "sequential: Grounding DINO's boxes prompt SAM": """
        from transformers import AutoModelForZeroShotObjectDetection, AutoProcessor, SamModel, SamProcessor

        dino_processor = AutoProcessor.from_pretrained("IDEA-Research/grounding-dino-tiny")
        # model: dino
        dino = AutoModelForZeroShotObjectDetection.from_pretrained("IDEA-Research/grounding-dino-tiny")
        sam_processor = SamProcessor.from_pretrained("facebook/sam-vit-base")
        sam = SamModel.from_pretrained("facebook/sam-vit-base").to("cuda")  # model: sam

        def segment(image, text):
            inputs = dino_processor(images=image, text=text, return_tensors="pt")
            outputs = dino(**inputs)
            results = dino_processor.post_process_grounded_object_detection(outputs, inputs.input_ids)
            boxes = results[0]["boxes"]
            sam_inputs = sam_processor(image, input_boxes=[boxes.tolist()], return_tensors="pt")
            return sam(**sam_inputs).pred_masks  # edge: feature-handoff/sequential dino->sam
    """,
    "sequential: a generator's transcripts, each yielded as it is made, are spoken": """
        from transformers import pipeline

        asr = pipeline("automatic-speech-recognition", model="openai/whisper-small")  # model: whisper
        tts = pipeline("text-to-speech", model="suno/bark-small")  # model: bark

        def transcribe(chunks):
            for chunk in chunks:
                text = yield asr(chunk)["text"]

        def speak(chunks):
            for text in transcribe(chunks):
                tts(text)  # edge: feature-handoff/sequential whisper->bark
    """,
    "sequential: models kept in a dict literal by name, each picked by its key": """
        from transformers import pipeline

        class Assistant:
            def __init__(self):
                self.models = {
                    "asr": pipeline("automatic-speech-recognition", model="openai/whisper"),  # model: whisper
                    "tts": pipeline("text-to-speech", model="suno/bark-small"),  # model: bark
                }

            def reply(self, audio):
                text = self.models["asr"](audio)["text"]
                return self.models["tts"](text)  # edge: feature-handoff/sequential whisper->bark
    """,
    "hierarchical: an nn.Module stacks two pretrained submodules in forward, set in __init__": """
        import torch
        from transformers import AutoModel, GPT2LMHeadModel

        class Captioner(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = AutoModel.from_pretrained("google/vit-base-patch16-224")  # model: vit
                self.decoder = GPT2LMHeadModel.from_pretrained("gpt2")  # model: gpt2

            def forward(self, pixels, ids):
                features = self.encoder(pixel_values=pixels).last_hidden_state
                # edge: feature-handoff/hierarchical vit->gpt2
                return self.decoder(input_ids=ids, encoder_hidden_states=features)
    """,
    "parallel: two encoders' outputs concatenated into one decoder": """
        import torch
        from transformers import AutoModel, T5ForConditionalGeneration

        text = AutoModel.from_pretrained("bert-base-uncased")  # model: bert
        image = AutoModel.from_pretrained("google/vit-base-patch16-224")  # model: vit
        decoder = T5ForConditionalGeneration.from_pretrained("t5-small")  # model: t5

        def answer(ids, pixels):
            a = text(input_ids=ids).pooler_output
            b = image(pixel_values=pixels).pooler_output
            fused = torch.cat([a, b], dim=-1)
            # edge: feature-handoff/parallel bert->t5 edge: feature-handoff/parallel vit->t5
            return decoder.generate(inputs_embeds=fused)
    """,
    "sequential: a model returned by a helper and held on self, read in another method": """
        from transformers import AutoModel, pipeline

        def load_encoder():
            return AutoModel.from_pretrained("bert-base-uncased").eval()  # model: bert

        class Service:
            def __init__(self):
                self.encoder = load_encoder()
                self.summarizer = pipeline("summarization", model="t5-small")  # model: t5

            def embed(self, ids):
                return self.encoder(input_ids=ids).last_hidden_state

            def run(self, ids):
                hidden = self.embed(ids)
                return self.summarizer(hidden.mean(1))  # edge: feature-handoff/sequential bert->t5
    """,
    "hierarchical: ControlNets given to the pipeline's load, the pose map their conditioning image": """
        import torch
        from controlnet_aux import OpenposeDetector
        from diffusers import ControlNetModel, StableDiffusionControlNetPipeline

        # model: pose
        openpose = OpenposeDetector.from_pretrained("lllyasviel/ControlNet")
        # model: cn
        controlnet = ControlNetModel.from_pretrained("lllyasviel/sd-controlnet-openpose")
        # model: sd edge: feature-handoff/hierarchical cn->sd
        pipe = StableDiffusionControlNetPipeline.from_pretrained("runwayml/sd-v1-5", controlnet=controlnet)

        def draw(prompt, photo):
            pose_image = openpose(photo)
            return pipe(prompt, image=pose_image).images[0]  # edge: feature-handoff/sequential pose->cn
    """,
    "of two ControlNets set on a pipeline, the pose map goes to the OpenPose one": """
        from controlnet_aux import OpenposeDetector
        from diffusers import ControlNetModel, StableDiffusionXLControlNetPipeline
        from diffusers.pipelines.controlnet import MultiControlNetModel

        openpose = OpenposeDetector.from_pretrained("lllyasviel/Annotators")  # model: pose
        pose_net = ControlNetModel.from_pretrained("thibaud/controlnet-openpose-sdxl-1.0")  # model: posecn
        canny_net = ControlNetModel.from_pretrained("diffusers/controlnet-canny-sdxl-1.0")  # model: cannycn
        pipe = StableDiffusionXLControlNetPipeline.from_pretrained("stabilityai/sdxl-base-1.0")  # model: sdxl

        def draw(prompt, photo):
            # edge: feature-handoff/hierarchical posecn->sdxl edge: feature-handoff/hierarchical cannycn->sdxl
            pipe.controlnet = MultiControlNetModel([pose_net, canny_net])
            # edge: feature-handoff/sequential pose->posecn
            return pipe(prompt, image=openpose(photo)).images[0]
    """,
    "the map a function picked from a dict of detectors makes is the matching ControlNet's image": """
        import cv2
        from diffusers import ControlNetModel, StableDiffusionXLControlNetPipeline
        from transformers import DPTForDepthEstimation

        dpt = DPTForDepthEstimation.from_pretrained("Intel/dpt-hybrid-midas")  # model: dpt
        depth_net = ControlNetModel.from_pretrained("diffusers/controlnet-depth-sdxl-1.0")  # model: depthcn
        canny_net = ControlNetModel.from_pretrained("diffusers/controlnet-canny-sdxl-1.0")  # model: cannycn
        # model: sdxl edge: feature-handoff/hierarchical depthcn->sdxl
        # edge: feature-handoff/hierarchical cannycn->sdxl
        pipe = StableDiffusionXLControlNetPipeline.from_pretrained("sdxl", controlnet=[depth_net, canny_net])

        def depth_map(image):
            return dpt(image).predicted_depth

        def canny_map(image):
            return cv2.Canny(image, 100, 200)

        detectors = {"depth": depth_map, "canny": canny_map}

        def draw(prompt, photo, kinds):
            maps = [detectors[kind](photo) for kind in kinds]
            return pipe(prompt, image=maps).images[0]  # edge: feature-handoff/sequential dpt->depthcn
    """,
    "a pipeline built of ControlNets or loaded with them: each detector's map goes to its own ControlNet": """
        from controlnet_aux import OpenposeDetector
        from diffusers import ControlNetModel, StableDiffusionXLControlNetPipeline
        from transformers import DPTForDepthEstimation

        openpose = OpenposeDetector.from_pretrained("lllyasviel/Annotators")  # model: pose
        dpt = DPTForDepthEstimation.from_pretrained("Intel/dpt-hybrid-midas")  # model: dpt
        pose_net = ControlNetModel.from_pretrained("thibaud/controlnet-openpose-sdxl-1.0")  # model: posecn
        depth_net = ControlNetModel.from_pretrained("diffusers/controlnet-depth-sdxl-1.0")  # model: depthcn

        def build(unet, fast):
            if fast:
                return StableDiffusionXLControlNetPipeline(unet=unet, controlnet=[pose_net, depth_net])
            nets = [pose_net, depth_net]
            # model: sdxl edge: feature-handoff/hierarchical posecn->sdxl
            # edge: feature-handoff/hierarchical depthcn->sdxl
            return StableDiffusionXLControlNetPipeline.from_pretrained("sdxl", controlnet=nets)

        def draw(prompt, photo, unet, fast):
            pipe = build(unet, fast)
            maps = [openpose(photo), dpt(photo).predicted_depth]
            # edge: feature-handoff/sequential pose->posecn edge: feature-handoff/sequential dpt->depthcn
            return pipe(prompt, image=maps).images[0]
    """,
    "hierarchical: an IP-Adapter loaded into the pipeline; its LoRA weights are no model of their own": """
        from diffusers import AutoPipelineForText2Image

        pipe = AutoPipelineForText2Image.from_pretrained("stabilityai/sdxl-base-1.0")  # model: sdxl
        # model: ip edge: feature-handoff/hierarchical ip->sdxl
        pipe.load_ip_adapter("h94/IP-Adapter", subfolder="sdxl_models", weight_name="ip-adapter_sdxl.bin")
        pipe.load_lora_weights("nerijs/pixel-art-xl", weight_name="pixel-art-xl.safetensors")
        image = pipe("a cat", ip_adapter_image=reference).images[0]
    """,
    "hierarchical: a downloaded adapter's file loaded into the pipeline": """
        import os

        from huggingface_hub import hf_hub_download
        from photomaker import PhotoMakerStableDiffusionXLPipeline

        # model: ckpt
        checkpoint = hf_hub_download(repo_id="TencentARC/PhotoMaker", filename="photomaker-v1.bin")
        # model: sdxl
        pipe = PhotoMakerStableDiffusionXLPipeline.from_pretrained("stabilityai/sdxl-base-1.0")
        # edge: feature-handoff/hierarchical ckpt->sdxl
        pipe.load_photomaker_adapter(os.path.dirname(checkpoint), weight_name=os.path.basename(checkpoint))
    """,
    "parallel: a pipeline's VAE and text encoder, two subfolders of one repo, both feed the UNet": """
        from diffusers import AutoencoderKL, UNet2DConditionModel
        from transformers import CLIPTextModel

        base = "runwayml/stable-diffusion-v1-5"
        vae = AutoencoderKL.from_pretrained(base, subfolder="vae")  # model: vae
        text_encoder = CLIPTextModel.from_pretrained(base, subfolder="text_encoder")  # model: te
        unet = UNet2DConditionModel.from_pretrained(base, subfolder="unet")  # model: unet

        def denoise(pixels, ids, t):
            latents = vae.encode(pixels).latent_dist.sample()
            states = text_encoder(ids)[0]
            # edge: feature-handoff/parallel vae->unet edge: feature-handoff/parallel te->unet
            return unet(latents, t, encoder_hidden_states=states).sample
    """,
    "sequential: results appended to a list in a loop, then read by the next model": """
        from transformers import pipeline

        captioner = pipeline("image-to-text", model="Salesforce/blip-image-captioning-base")  # model: blip
        embedder = pipeline("feature-extraction", model="sentence-transformers/MiniLM-L6")  # model: minilm

        def index(images):
            captions = []
            for image in images:
                captions.append(captioner(image)[0]["generated_text"])
            return embedder(captions)  # edge: feature-handoff/sequential blip->minilm
    """,
    "sequential: a draft model handed to generate through a kwargs dict (speculative decoding)": """
        from transformers import AutoModelForCausalLM, AutoModelForSpeechSeq2Seq

        model = AutoModelForSpeechSeq2Seq.from_pretrained("openai/whisper-large-v2")  # model: whisper
        assistant = AutoModelForCausalLM.from_pretrained("distil-whisper/distil-large-v2")  # model: draft

        def evaluate(features):
            gen_kwargs = {"max_new_tokens": 128}
            gen_kwargs["assistant_model"] = assistant
            return model.generate(features, **gen_kwargs)  # edge: feature-handoff/sequential draft->whisper
    """,
    "sequential: models passed to a function of the file, generated text decoded then re-encoded": """
        from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

        writer = AutoModelForCausalLM.from_pretrained("gpt2")  # model: gpt2
        writer_tokens = AutoTokenizer.from_pretrained("gpt2")
        # model: sst
        classifier = pipeline("sentiment-analysis", model="distilbert-base-uncased-finetuned-sst-2-english")

        def run(generator, labeller, prompt):
            ids = generator.generate(**writer_tokens(prompt, return_tensors="pt"))
            story = writer_tokens.decode(ids[0])
            return labeller(story)  # edge: feature-handoff/sequential gpt2->sst

        run(writer, classifier, "Once")
    """,
    "a UNet steering its latents by its own gradient guides no model that made the first latents": """
        import torch
        from diffusers import AutoencoderKL, UNet2DConditionModel

        KEY = "runwayml/stable-diffusion-v1-5"
        vae = AutoencoderKL.from_pretrained(KEY, subfolder="vae")  # model: vae
        unet = UNet2DConditionModel.from_pretrained(KEY, subfolder="unet")  # model: unet

        def edit(image, states):
            latents = vae.encode(image).latent_dist.sample() * 0.18215
            for t in range(50):
                latents.requires_grad_(True)
                # edge: feature-handoff/sequential vae->unet
                energy = unet(latents, t, encoder_hidden_states=states).sample.pow(2).mean()
                grad = torch.autograd.grad(energy, [latents])[0]
                latents = unet(latents - grad, t, encoder_hidden_states=states).sample
            return latents
    """,
    "texts appended to a list a dict holds under a key are what that key gives": """
        from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

        base = AutoModelForCausalLM.from_pretrained("gpt2-medium")  # model: gpt2
        tok = AutoTokenizer.from_pretrained("gpt2-medium")
        t5 = AutoModelForSeq2SeqLM.from_pretrained("t5-large")  # model: t5
        t5_tok = AutoTokenizer.from_pretrained("t5-large")


        def generate_samples(prompts):
            data = {"original": [], "sampled": []}
            for prompt in prompts:
                ids = tok(prompt, return_tensors="pt").input_ids
                data["original"].append(prompt)
                data["sampled"].append(tok.decode(base.generate(ids)[0]))
            return data


        data = generate_samples(["a", "b"])
        # edge: feature-handoff/sequential gpt2->t5
        perturbed = [t5.generate(**t5_tok(text, return_tensors="pt")) for text in data["sampled"]]
    """,
    "a method of a project pipeline runs the one part it calls, not every part the pipeline holds": """
        from diffusers import AutoencoderKL
        from transformers import CLIPTextModel, CLIPVisionModel


        class VideoPipeline:
            def __init__(self, text_encoder, image_encoder, vae):
                self.text_encoder = text_encoder
                self.image_encoder = image_encoder
                self.vae = vae

            def encode_prompt(self, ids):
                return self.text_encoder(ids).last_hidden_state

            def encode_vision(self, frames):
                return self.image_encoder(pixel_values=frames).last_hidden_state

            def encode_latents(self, frames):
                return self.vae.encode(frames).latent_dist.mode()


        pipe = VideoPipeline(
            CLIPTextModel.from_pretrained("openai/clip-vit-large-patch14"),  # model: te
            CLIPVisionModel.from_pretrained("openai/clip-vit-large-patch14"),  # model: clip
            AutoencoderKL.from_pretrained("stabilityai/sd-vae-ft-mse"),  # model: vae
        )
        sd_vae = AutoencoderKL.from_pretrained("CompVis/ldm-vae", subfolder="vae")  # model: sdvae


        def animate(latents, ids):
            frames = sd_vae.decode(latents).sample
            cond = pipe.encode_vision(frames)  # edge: feature-handoff/sequential sdvae->clip
            states = pipe.encode_prompt(ids)
            return pipe.encode_latents(frames), cond, states  # edge: feature-handoff/sequential sdvae->vae
    """,
    "a UI event hands a component another event filled to a handler, whose own calls run the models": """
        import gradio as gr
        from diffusers import AutoencoderKL, StableDiffusionPipeline
        from transformers import CLIPTextModel

        sd = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd
        te = CLIPTextModel.from_pretrained("openai/clip-vit-large-patch14")  # model: te
        vae = AutoencoderKL.from_pretrained("stabilityai/sd-vae-ft-mse")  # model: vae


        def make_keyframes(prompt):
            return sd(prompt).images


        def animate(keyframes, ids):
            states = te(ids)[0]
            latents = vae.encode(keyframes).latent_dist.mode()  # edge: feature-handoff/sequential sd->vae
            return latents, states


        with gr.Blocks() as demo:
            prompt = gr.Textbox()
            gallery = gr.Gallery()
            video_prompt = gr.Textbox()
            output = gr.Video()
            gr.Button("Keys").click(make_keyframes, inputs=[prompt], outputs=[gallery])
            gr.Button("Video").click(animate, inputs=[gallery, video_prompt], outputs=[output])
    """,
    "a pipeline's part read back by the keyword it was loaded with is that part": """
        from diffusers import ControlNetModel, StableDiffusionControlNetPipeline
        from transformers import pipeline

        depth = pipeline("depth-estimation", model="Intel/dpt-large")  # model: dpt
        controlnet = ControlNetModel.from_pretrained("lllyasviel/sd-controlnet-depth")  # model: cn
        # model: sd
        # edge: feature-handoff/hierarchical cn->sd
        pipe = StableDiffusionControlNetPipeline.from_pretrained(
            "runwayml/stable-diffusion-v1-5", controlnet=controlnet
        ).to("cuda")


        def residuals(latents, t, states, image):
            control = depth(image)["depth"]
            # edge: feature-handoff/sequential dpt->cn
            return pipe.controlnet(latents, t, encoder_hidden_states=states, controlnet_cond=control)
    """,
    "an upscaling stage also given the text embeddings of another model is a cascade's stage": """
        from diffusers import DiffusionPipeline, IFSuperResolutionPipeline
        from transformers import T5EncoderModel

        t5 = T5EncoderModel.from_pretrained("DeepFloyd/IF-I-XL-v1.0", subfolder="text_encoder")  # model: t5
        base = DiffusionPipeline.from_pretrained("showlab/show-1-base", text_encoder=None)  # model: base
        sr = IFSuperResolutionPipeline.from_pretrained("DeepFloyd/IF-II-L-v1.0")  # model: sr


        def generate(ids):
            embeds = t5(ids).last_hidden_state
            # edge: feature-handoff/sequential t5->base
            frames = base(prompt_embeds=embeds, output_type="pt").frames
            # edge: feature-handoff/parallel base->sr, edge: feature-handoff/parallel t5->sr
            return sr(image=frames, prompt_embeds=embeds).images
    """,
    "models kept in the fields of a dataclass of the project are read field by field": """
        from dataclasses import dataclass

        from sentence_transformers import CrossEncoder, SentenceTransformer
        from transformers import pipeline


        @dataclass
        class Bundle:
            retriever: SentenceTransformer
            reranker: CrossEncoder


        def build():
            return Bundle(
                retriever=SentenceTransformer("BAAI/bge-small-en-v1.5"),  # model: bge
                reranker=CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2"),  # model: marco
            )


        rewriter = pipeline("text2text-generation", model="google/flan-t5-base")  # model: t5
        bundle = build()


        def search(question, corpus):
            query = rewriter(question)[0]["generated_text"]
            # edge: feature-handoff/sequential t5->bge
            hits = bundle.retriever.similarity(bundle.retriever.encode(query), corpus)
            # edge: post-processing bge->marco
            return bundle.reranker.predict([(question, corpus[int(i)]) for i in hits.argmax(-1)])
    """,
    "a module's model set in a loader function from a file a URL was fetched to, by a joined path": """
        import os

        import torch
        import wget
        from valle import VALLE
        from vocos import Vocos

        checkpoints_dir = "./checkpoints/"
        checkpoint_name = "vallex-checkpoint.pt"
        model = None
        vocos = None


        def preload_models():
            global model, vocos
            URL = "https://huggingface.co/Plachta/VALL-E-X/resolve/main/vallex-checkpoint.pt"
            wget.download(URL, out="./checkpoints/vallex-checkpoint.pt")  # model: valle
            model = VALLE(1024, 16, 12)
            checkpoint = torch.load(os.path.join(checkpoints_dir, checkpoint_name), map_location="cpu")
            model.load_state_dict(checkpoint["model"], strict=True)
            vocos = Vocos.from_pretrained("charactr/vocos-encodec-24khz")  # model: vocos


        def speak(tokens):
            global model, vocos
            codes = model.inference(tokens)
            # edge: feature-handoff/sequential valle->vocos
            return vocos.decode(vocos.codes_to_features(codes))
    """,
    "a checkpoint fetched from a URL into a file, then loaded into a model's weights, is that model": """
        import torch
        import wget
        from valle import VALLE
        from vocos import Vocos

        URL = "https://huggingface.co/Plachta/VALL-E-X/resolve/main/vallex-checkpoint.pt"
        wget.download(URL, out="./checkpoints/vallex-checkpoint.pt")  # model: valle
        model = VALLE(1024, 16, 12)
        checkpoint = torch.load("./checkpoints/vallex-checkpoint.pt", map_location="cpu")
        missing, unexpected = model.load_state_dict(checkpoint["model"], strict=True)
        vocos = Vocos.from_pretrained("charactr/vocos-encodec-24khz")  # model: vocos


        def speak(tokens):
            codes = model.inference(tokens)
            # edge: feature-handoff/sequential valle->vocos
            return vocos.decode(vocos.codes_to_features(codes))
    """,
    "a module set on a pipeline under a name of its own reads the encoded inputs and feeds the denoiser": """
        import torch
        from diffusers import AutoencoderKL, StableDiffusionXLInpaintPipeline, UNet2DConditionModel
        from transformers import CLIPTextModel, CLIPVisionModelWithProjection

        base = "yisol/IDM-VTON"
        unet = UNet2DConditionModel.from_pretrained(base, subfolder="unet")  # model: unet
        text_encoder = CLIPTextModel.from_pretrained(base, subfolder="text_encoder")  # model: te
        # model: ie
        image_encoder = CLIPVisionModelWithProjection.from_pretrained(base, subfolder="image_encoder")
        vae = AutoencoderKL.from_pretrained(base, subfolder="vae")  # model: vae
        garment_net = UNet2DConditionModel.from_pretrained(base, subfolder="unet_encoder")  # model: garment

        pipe = StableDiffusionXLInpaintPipeline.from_pretrained(
            base, unet=unet, vae=vae, text_encoder=text_encoder, image_encoder=image_encoder
        )
        pipe.unet_encoder = garment_net
        pipe.safety_checker = None


        def try_on(person, garment, mask, prompt):
            # edge: feature-handoff/parallel te->unet
            # edge: feature-handoff/parallel te->garment
            # edge: feature-handoff/parallel ie->unet
            # edge: feature-handoff/parallel vae->unet
            # edge: feature-handoff/parallel vae->garment
            # edge: feature-handoff/parallel garment->unet
            # edge: feature-handoff/sequential unet->vae
            return pipe(
                prompt=prompt, image=person, mask_image=mask, ip_adapter_image=garment, cloth=garment
            ).images[0]
    """,
    "a method picked into a name and called runs as that method": """
        import torch
        from transformers import AutoModel, T5ForConditionalGeneration


        class RAG(torch.nn.Module):
            def __init__(self, rerank):
                super().__init__()
                self.retriever = AutoModel.from_pretrained("facebook/contriever")  # model: retriever
                self.reader = T5ForConditionalGeneration.from_pretrained("t5-base")  # model: reader
                self.rerank = rerank

            def _retrieve(self, index, ids):
                query_emb = self.retriever(ids)
                passages, scores = index.search_knn(query_emb, 10)
                return passages, scores

            def _retrieve_with_rerank(self, index, ids):
                passages, scores = self._retrieve(index, ids)
                return passages[:5], scores[:5]

            def retrieve(self, *args, **kwargs):
                retrieve_func = self._retrieve_with_rerank if self.rerank else self._retrieve
                passages, scores = retrieve_func(*args, **kwargs)
                return passages, scores

            def forward(self, index, ids):
                passages, _ = self.retrieve(index, ids)
                return self.reader(input_ids=passages)  # edge: feature-handoff/hierarchical retriever->reader
    """,
    "a VAE handed to a pipeline's load in a dict of keywords decodes what its denoiser makes": """
        import torch
        from diffusers import AutoencoderKL, AutoPipelineForText2Image

        kwargs = {"torch_dtype": torch.float16}
        vae = AutoencoderKL.from_pretrained("stabilityai/sd-vae-ft-ema")  # model: vae
        kwargs["vae"] = vae
        repo = "SG161222/Realistic_Vision_V6.0_B1_noVAE"
        # edge: feature-handoff/sequential pipe->vae
        pipe = AutoPipelineForText2Image.from_pretrained(repo, **kwargs)  # model: pipe
    """,
    "a helper followed at each of its calls however often, and a tile pass reading the image twice": """
        import torch
        from diffusers import ControlNetModel, StableDiffusionControlNetInpaintPipeline
        from safetensors.torch import load_file


        def load_lora_weights(pipeline, checkpoint_path, multiplier):
            state_dict = load_file(checkpoint_path)
            visited = []
            for key in state_dict:
                if ".alpha" in key or key in visited:
                    continue
                if "text" in key:
                    layer_infos = key.split(".")[0].split("lora_te_")[-1].split("_")
                    curr_layer = pipeline.text_encoder
                else:
                    layer_infos = key.split(".")[0].split("lora_unet_")[-1].split("_")
                    curr_layer = pipeline.unet
                temp_name = layer_infos.pop(0)
                while len(layer_infos) > -1:
                    try:
                        curr_layer = curr_layer.__getattr__(temp_name)
                        if len(layer_infos) > 0:
                            temp_name = layer_infos.pop(0)
                        elif len(layer_infos) == 0:
                            break
                    except Exception:
                        temp_name += "_" + layer_infos.pop(0)
                down = key if "lora_down" in key else key.replace("lora_up", "lora_down")
                up = down.replace("lora_down", "lora_up")
                weight = torch.mm(state_dict[up].float(), state_dict[down].float())
                curr_layer.weight.data += multiplier * weight
                visited.extend([up, down])
            return pipeline


        def obtain_generation_model(base, lora):
            # model: inpaint_cn
            controlnet = ControlNetModel.from_pretrained("lllyasviel/control_v11p_sd15_inpaint")
            # edge: feature-handoff/hierarchical inpaint_cn->pipe
            # model: pipe
            pipe = StableDiffusionControlNetInpaintPipeline.from_pretrained(base, controlnet=controlnet)
            pipe = load_lora_weights(pipe, lora, 1.0)
            return pipe


        def obtain_tile_model(base, lora):
            # model: tile_cn
            controlnet = ControlNetModel.from_pretrained("lllyasviel/control_v11f1e_sd15_tile")
            sd15 = "runwayml/stable-diffusion-v1-5"
            # edge: feature-handoff/hierarchical tile_cn->tile
            # model: tile
            pipe = StableDiffusionControlNetInpaintPipeline.from_pretrained(sd15, controlnet=controlnet)
            pipe = load_lora_weights(pipe, lora, 1.0)
            return pipe


        class Editor:
            def __init__(self, base, lora):
                self.pipe = obtain_generation_model(base, lora)
                self.tile_pipe = obtain_tile_model(base, lora)

            def reload(self, base, lora):
                self.pipe = obtain_generation_model(base, lora)

            def reload_again(self, base, lora):
                self.pipe = obtain_generation_model(base, lora)

            def reload_base(self, base, lora):
                self.pipe = obtain_generation_model(base, lora)

            def reload_lora(self, base, lora):
                self.pipe = obtain_generation_model(base, lora)

            def reload_tile(self, base, lora):
                self.tile_pipe = obtain_tile_model(base, lora)

            def process(self, image, mask, condition, prompt):
                samples = self.pipe(prompt, image=image, mask_image=mask, control_image=condition).images
                tile = samples[0].resize((1024, 1024))
                # edge: feature-handoff/sequential pipe->tile_cn
                # edge: feature-handoff/sequential pipe->tile
                return self.tile_pipe(prompt, image=tile, mask_image=mask, control_image=tile).images[0]
    """,
    "a branch of a flag every call turns off never loads its pipeline": """
        from diffusers import ControlNetModel, StableDiffusionControlNetPipeline
        from diffusers import StableDiffusionControlNetInpaintPipeline as InpaintPipeline


        def obtain_generation_model(base, generation_only=False, extra_inpaint=True):
            controlnet = ControlNetModel.from_pretrained("lllyasviel/sd-controlnet-seg")  # model: cn
            if generation_only and extra_inpaint:
                pipe = StableDiffusionControlNetPipeline.from_pretrained(base, controlnet=controlnet)
            else:
                # edge: feature-handoff/hierarchical cn->inpaint
                pipe = InpaintPipeline.from_pretrained(base, controlnet=controlnet)  # model: inpaint
            return pipe


        pipe = obtain_generation_model("runwayml/stable-diffusion-v1-5", generation_only=False)
        again = obtain_generation_model("runwayml/stable-diffusion-inpainting")
    """,
    "a checkpoint's weights loaded into an object built of models are its models, fed by none": """
        import json

        import torch
        from diffusers import DDPMScheduler, UNet2DConditionModel
        from huggingface_hub import snapshot_download
        from transformers import T5EncoderModel


        class AudioDiffusion(torch.nn.Module):
            def __init__(self, text_encoder_name, unet_name):
                super().__init__()
                self.text_encoder = T5EncoderModel.from_pretrained(text_encoder_name)  # model: te
                self.unet = UNet2DConditionModel.from_pretrained(unet_name)  # model: unet

            def inference(self, ids, scheduler, latents, steps):
                states = self.text_encoder(ids).last_hidden_state
                for t in scheduler.timesteps[:steps]:
                    # edge: feature-handoff/sequential te->unet
                    latents = self.unet(latents, t, encoder_hidden_states=states).sample
                return latents


        class Tango:
            def __init__(self, name="declare-lab/tango"):
                path = snapshot_download(repo_id=name)
                config = json.load(open("{}/main_config.json".format(path)))
                self.model = AudioDiffusion(**config)
                self.model.load_state_dict(torch.load("{}/pytorch_model_main.bin".format(path)))
                self.scheduler = DDPMScheduler.from_pretrained(config["scheduler"], subfolder="scheduler")
                self.steps = config["steps"]

            def generate(self, ids, latents):
                return self.model.inference(ids, self.scheduler, latents, self.steps)
    """,
    "a value stored on an object under a field a method names is that field": """
        from sentence_transformers import SentenceTransformer
        from transformers import pipeline

        retriever = SentenceTransformer("intfloat/e5-base-v2")  # model: dense
        generator = pipeline("text-generation", model="meta-llama/Llama-3.1-8B-Instruct")  # model: llm


        def run(dataset, corpus):
            hits = retriever.encode(dataset.question) @ retriever.encode(corpus).T
            dataset.update_output("retrieval_result", [corpus[i] for i in hits.argmax(-1)])
            prompts = [f"{doc} Question: {q}" for q, doc in zip(dataset.question, dataset.retrieval_result)]
            dataset.update_output("pred", generator(prompts))  # edge: feature-handoff/sequential dense->llm
            return dataset
    """,
    "models kept in a record of keyword fields are read field by field": """
        import torch
        from diffusers import AutoencoderKL, UNet2DConditionModel
        from easydict import EasyDict
        from transformers import CLIPTextModel

        def load_sd(key):
            return EasyDict(
                text_encoder=CLIPTextModel.from_pretrained(key, subfolder="text_encoder"),  # model: te
                unet=UNet2DConditionModel.from_pretrained(key, subfolder="unet"),  # model: unet
                vae=AutoencoderKL.from_pretrained(key, subfolder="vae"),  # model: vae
            )

        def generate(models, ids, noise):
            states = models.text_encoder(ids)[0]
            # edge: feature-handoff/sequential te->unet
            latents = models.unet(noise, 1, encoder_hidden_states=states).sample
            return models.vae.decode(latents).sample  # edge: feature-handoff/sequential unet->vae

        generate(load_sd("runwayml/stable-diffusion-v1-5"), None, None)
    """,
    "a transformers pipeline wrapping a loaded model runs that model": """
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, pipeline

        asr = pipeline("automatic-speech-recognition", model="openai/whisper-small")  # model: asr
        model = AutoModelForSeq2SeqLM.from_pretrained("facebook/nllb-200-distilled-600M")  # model: nllb
        tokenizer = AutoTokenizer.from_pretrained("facebook/nllb-200-distilled-600M")
        translator = pipeline("translation", model=model, tokenizer=tokenizer, src_lang="eng_Latn")


        def dub(audio):
            text = asr(audio)["text"]
            # edge: feature-handoff/sequential asr->nllb
            return translator(text, tgt_lang="cat_Latn")[0]["translation_text"]
    """,
    "a network built of a pretrained model's layers runs that model": """
        import torch.nn as nn
        from torchvision.models import vgg19
        from diffusers import StableDiffusionPipeline

        pipe = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd
        cnn = vgg19(weights="IMAGENET1K_V1").features.eval()  # model: vgg


        def style_model(cnn, style_layers):
            model = nn.Sequential()
            for i, layer in enumerate(cnn.children()):
                model.add_module(f"layer_{i}", layer)
                if i in style_layers:
                    break
            return model


        def style_distance(prompt, reference, style_layers):
            image = pipe(prompt, output_type="pt").images
            model = style_model(cnn, style_layers)
            # edge: feature-handoff/sequential sd->vgg
            return (model(image) - model(reference)).pow(2).mean()


        def features(images):
            backbone = nn.Sequential(*list(cnn.children())[:-1])
            generated = pipe(images).images
            # edge: feature-handoff/sequential sd->vgg
            return backbone(generated).flatten(1)
    """,
}

FEEDBACK = {
    "a pipeline's UNet swapped between a frozen and a trained one, whose parameters a helper gathers": """
        import torch
        from diffusers import StableDiffusionPipeline, UNet2DConditionModel

        SD = "CompVis/stable-diffusion-v1-4"


        def trainable_parameters(unet):
            names, params = [], []
            for name, module in unet.named_modules():
                if "attn2" in name:
                    for n, p in module.named_parameters():
                        names.append(f"{name}.{n}")
                        params.append(p)
            return names, params


        if __name__ == "__main__":
            base_unet = UNet2DConditionModel.from_pretrained(SD, subfolder="unet")  # model: base
            base_unet.requires_grad_(False)
            esd_unet = UNet2DConditionModel.from_pretrained(SD, subfolder="unet")  # model: esd
            pipe = StableDiffusionPipeline.from_pretrained(SD, unet=base_unet)  # model: pipe
            names, esd_params = trainable_parameters(esd_unet)
            optimizer = torch.optim.Adam(esd_params, lr=1e-5)
            with torch.no_grad():
                embeds, null_embeds = pipe.encode_prompt("a concept", "cpu", 1, True, "")
            for step in range(100):
                optimizer.zero_grad()
                pipe.unet = base_unet
                with torch.no_grad():
                    xt = pipe("a concept", output_type="latent").images
                    # edge: feature-handoff/sequential pipe->base stage=fine-tuning
                    target = pipe.unet(xt, 10, encoder_hidden_states=embeds).sample
                pipe.unet = esd_unet
                # edge: feature-handoff/sequential pipe->esd stage=fine-tuning
                prediction = pipe.unet(xt, 10, encoder_hidden_states=embeds).sample
                loss = torch.nn.functional.mse_loss(prediction, target)
                loss.backward()  # edge: feedback-guidance base->esd stage=fine-tuning
                optimizer.step()
    """,
    "a DeepSpeed engine stepping on a distillation loss a helper computes from the teacher": """
        import deepspeed
        import torch
        import torch.nn.functional as F
        from transformers import AutoModelForCausalLM


        def get_distil_loss(teacher_model, model_batch, logits):
            with torch.no_grad():
                teacher_logits = teacher_model(**model_batch).logits
            teacher_probs = F.softmax(teacher_logits, dim=-1)
            return -(teacher_probs * F.log_softmax(logits, dim=-1)).sum(-1).mean()


        def train(args, batches):
            model = AutoModelForCausalLM.from_pretrained(args.model_path)  # model: student
            teacher_model = AutoModelForCausalLM.from_pretrained(args.teacher_path)  # model: teacher
            optimizer = torch.optim.AdamW(model.parameters())
            model, optimizer, _, _ = deepspeed.initialize(model=model, optimizer=optimizer, args=args)
            for prompts in batches:
                # the student's own samples, scored by the teacher inside the loss: no handoff of their own
                model_batch = {"input_ids": model.module.generate(**prompts, do_sample=True)}
                logits = model(**model_batch).logits
                loss = get_distil_loss(teacher_model, model_batch, logits)
                model.backward(loss)  # edge: feedback-guidance teacher->student frozen=true
                model.step()
    """,
    "CLIP's scores of the LM's next-token candidates steer the LM's context by a gradient (ZeroCap)": """
        import clip
        import torch
        from transformers import GPT2LMHeadModel, GPT2Tokenizer

        class Captioner:
            def __init__(self):
                self.tokenizer = GPT2Tokenizer.from_pretrained("gpt2-medium")
                self.lm = GPT2LMHeadModel.from_pretrained("gpt2-medium")  # model: lm
                self.lm.eval()
                for p in self.lm.parameters():
                    p.requires_grad = False
                self.clip, self.preprocess = clip.load("ViT-B/32")  # model: clip

            def text_features(self, texts):
                with torch.no_grad():
                    return self.clip.encode_text(clip.tokenize(texts))

            def clip_loss(self, probs, image_features):
                candidates = [self.tokenizer.decode(i) for i in probs.topk(8).indices[0]]
                target = (image_features @ self.text_features(candidates).T).softmax(-1)
                return -(target * probs.log()).sum()

            def shift(self, tokens, context, image_features):
                delta = torch.zeros_like(context).requires_grad_(True)
                shifted = context + delta
                probs = self.lm(tokens, past_key_values=shifted).logits.softmax(-1)
                loss = self.clip_loss(probs, image_features)
                loss.backward()  # edge: feedback-guidance clip->lm
                return context + delta.grad
    """,
    "a trainer class picked by name gets the reference model in a worker that is spawned or called": """
        import torch.multiprocessing as mp
        import transformers

        import trainers

        def worker_main(rank, world_size, config, policy, reference_model=None):
            TrainerClass = getattr(trainers, config.trainer)
            # edge: feedback-guidance ref->policy
            trainer = TrainerClass(policy, config, rank=rank, reference_model=reference_model)
            trainer.train()

        def main(config):
            policy = transformers.AutoModelForCausalLM.from_pretrained(config.model)  # model: policy
            reference_model = transformers.AutoModelForCausalLM.from_pretrained(config.model)  # model: ref
            if config.fsdp:
                mp.spawn(worker_main, nprocs=config.gpus, args=(config.gpus, config, policy, reference_model))
            else:
                worker_main(0, 1, config, policy, reference_model)
    """,
    "a reward model's score of the frozen VAE's decoding guides the UNet upstream of it": """
        import torch
        from diffusers import AutoencoderKL, UNet2DConditionModel
        from transformers import AutoModel

        unet = UNet2DConditionModel.from_pretrained(args.base, subfolder="unet")  # model: unet
        vae = AutoencoderKL.from_pretrained(args.base, subfolder="vae")  # model: vae
        reward_model = AutoModel.from_pretrained("THUDM/ImageReward")  # model: reward
        vae.requires_grad_(False)
        reward_model.requires_grad_(False)
        optimizer = torch.optim.AdamW(unet.parameters())

        for batch in loader:
            latents = unet(batch["noisy"], batch["t"], batch["states"]).sample
            image = vae.decode(latents).sample  # edge: feature-handoff/sequential unet->vae
            # edge: feature-handoff/sequential vae->reward, edge: feedback-guidance reward->unet frozen=true
            rewards = reward_model(pixel_values=image).logits
            loss = torch.relu(2 - rewards).mean()
            loss.backward()
            optimizer.step()
    """,
    "a CLIP score of the trained UNet's images is the loss: the scorer guides, it evaluates nothing": """
        import torch
        from diffusers import UNet2DConditionModel
        from transformers import CLIPModel

        clip = CLIPModel.from_pretrained("openai/clip-vit-large-patch14").eval()  # model: clip
        # model: unet
        unet = UNet2DConditionModel.from_pretrained("runwayml/stable-diffusion-v1-5", subfolder="unet")
        optimizer = torch.optim.AdamW(unet.parameters())

        def train(loader):
            for batch in loader:
                images = unet(batch["latents"], batch["t"], batch["text"]).sample
                # edge: feedback-guidance clip->unet stage=fine-tuning frozen=true
                clip_score = clip.get_image_features(pixel_values=images).norm()
                loss = -clip_score
                loss.backward()
                optimizer.step()
    """,
    "distillation: KL of the frozen teacher's and the student's logits trains the student": """
        import torch
        import torch.nn.functional as F
        from transformers import AutoModelForSequenceClassification

        # model: teacher
        teacher = AutoModelForSequenceClassification.from_pretrained("bert-large-uncased").eval()
        # model: student
        student = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")
        optimizer = torch.optim.AdamW(student.parameters(), lr=5e-5)

        for batch in loader:
            with torch.no_grad():
                soft = teacher(**batch).logits
            logits = student(**batch).logits
            loss = F.kl_div(F.log_softmax(logits, -1), F.softmax(soft, -1), reduction="batchmean")
            loss.backward()  # edge: feedback-guidance teacher->student stage=fine-tuning frozen=true
            optimizer.step()
    """,
    "CLIP guidance: the gradient of CLIP's loss steers the latents inside the sampling loop": """
        import torch
        from diffusers import StableDiffusionPipeline
        from transformers import CLIPModel

        pipe = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd
        clip = CLIPModel.from_pretrained("openai/clip-vit-base-patch32")  # model: clip
        clip.requires_grad_(False)
        unet, vae = pipe.unet, pipe.vae

        def sample(embeddings, target):
            latents = torch.randn(1, 4, 64, 64)
            for t in pipe.scheduler.timesteps:
                latents = latents.detach().requires_grad_()
                noise = unet(latents, t, encoder_hidden_states=embeddings).sample
                image = vae.decode(latents / 0.18215).sample
                loss = -(clip.get_image_features(image) * target).sum()
                # edge: feedback-guidance clip->sd stage=inference frozen=true
                grad = torch.autograd.grad(loss, latents)[0]
                latents = pipe.scheduler.step(noise, t, latents).prev_sample - grad
            return latents
    """,
    "a project's PPO trainer given its models by position, named by its __init__": """
        from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification


        class PPOTrainer:
            def __init__(self, opt, policy_model, ref_model, critic_model, reward_model, accelerator):
                self.policy_model = policy_model
                self.ref_model = ref_model
                self.critic_model = critic_model
                self.reward_model = reward_model


        def main(opt, accelerator):
            policy = AutoModelForCausalLM.from_pretrained(opt.policy_path)  # model: policy
            critic = AutoModelForSequenceClassification.from_pretrained(opt.critic_path)  # model: critic
            reference = AutoModelForCausalLM.from_pretrained(opt.policy_path)  # model: ref
            reward = AutoModelForSequenceClassification.from_pretrained(opt.critic_path)  # model: reward
            # edge: feedback-guidance ref->policy frozen=true
            # edge: feedback-guidance reward->policy frozen=true
            # edge: feedback-guidance critic->policy frozen=false
            trainer = PPOTrainer(opt, policy, reference, critic, reward, accelerator)
            trainer.train()
    """,
    "a trainer class loading the model and the reference it is given by name": """
        from transformers import AutoModelForCausalLM, Trainer


        class PreferenceTrainer(Trainer):
            def __init__(self, model=None, ref_model=None, args=None, beta=0.1):
                if isinstance(model, str):
                    model = AutoModelForCausalLM.from_pretrained(model)  # model: policy
                if isinstance(ref_model, str):
                    # edge: feedback-guidance ref->policy frozen=true
                    ref_model = AutoModelForCausalLM.from_pretrained(ref_model)  # model: ref
                super().__init__(model=model, args=args)
                self.ref_model = ref_model
                self.beta = beta
    """,
    "a trainer given the policy and its reference, reward and value models": """
        from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification
        from trl import PPOTrainer

        # model: value
        value_model = AutoModelForSequenceClassification.from_pretrained(args.reward_path, num_labels=1)
        # model: reward
        reward_model = AutoModelForSequenceClassification.from_pretrained(args.reward_path, num_labels=1)
        policy = AutoModelForCausalLM.from_pretrained(args.sft_path)  # model: policy
        ref_policy = AutoModelForCausalLM.from_pretrained(args.sft_path)  # model: ref
        trainer = PPOTrainer(
            args=config,
            model=policy,
            ref_model=ref_policy,  # edge: feedback-guidance ref->policy frozen=true stage=fine-tuning
            reward_model=reward_model,  # edge: feedback-guidance reward->policy frozen=true
            value_model=value_model,  # edge: feedback-guidance value->policy frozen=false
            train_dataset=dataset,
        )
        trainer.train()
    """,
    "a trainer given an unwrapped reference and an embedding model bound by partial": """
        from functools import partial

        from transformers import AutoModel, AutoModelForCausalLM
        from trl import BCOTrainer

        policy = AutoModelForCausalLM.from_pretrained("gpt2")  # model: policy
        reference = AutoModelForCausalLM.from_pretrained("gpt2-medium")  # model: ref
        embedder = AutoModel.from_pretrained("nomic-ai/nomic-embed-text-v1.5")  # model: embedder
        embedding_func = partial(embed_prompt, model=embedder)
        trainer = BCOTrainer(
            policy,
            accelerator.unwrap_model(reference),  # edge: feedback-guidance ref->policy
            embedding_func=embedding_func,  # edge: feedback-guidance embedder->policy
        )
    """,
    "a cross-encoder's scores are the labels a bi-encoder is fit on": """
        from sentence_transformers import CrossEncoder, InputExample, SentenceTransformer

        cross_encoder = CrossEncoder("cross-encoder/stsb-roberta-base")  # model: ce
        bi_encoder = SentenceTransformer("bert-base-uncased")  # model: bi
        scores = cross_encoder.predict(pairs)
        examples = [InputExample(texts=list(pair), label=float(score)) for pair, score in zip(pairs, scores)]
        # edge: feedback-guidance ce->bi stage=fine-tuning
        bi_encoder.fit(train_objectives=[(DataLoader(examples), loss)], epochs=1)
    """,
    "pairs a search model mines are labelled by a cross-encoder whose scores alone train the bi-encoder": """
        import torch
        from sentence_transformers import CrossEncoder, InputExample, SentenceTransformer

        search = SentenceTransformer("paraphrase-MiniLM-L6-v2")  # model: search
        cross_encoder = CrossEncoder("cross-encoder/stsb-roberta-base")  # model: ce
        bi_encoder = SentenceTransformer("bert-base-uncased")  # model: bi
        embeddings = search.encode(sentences, convert_to_tensor=True)
        pairs = []
        for idx in range(len(sentences)):
            hits = torch.topk(embeddings @ embeddings[idx], k=3)[1]
            pairs += [(sentences[idx], sentences[hit]) for hit in hits if hit != idx]
        scores = cross_encoder.predict(pairs)  # edge: feature-handoff/sequential search->ce
        examples = [InputExample(texts=list(pair), label=float(score)) for pair, score in zip(pairs, scores)]
        # edge: feedback-guidance ce->bi stage=fine-tuning
        bi_encoder.fit(train_objectives=[(DataLoader(examples), loss)], epochs=1)
    """,
    "two models whose outputs the fit takes side by side, neither feeding the other, both guide it": """
        from sentence_transformers import CrossEncoder, InputExample, SentenceTransformer

        teacher = SentenceTransformer("all-mpnet-base-v2")  # model: teacher
        cross_encoder = CrossEncoder("cross-encoder/stsb-roberta-base")  # model: ce
        student = SentenceTransformer("bert-base-uncased")  # model: student
        targets = teacher.encode(sentences)
        scores = cross_encoder.predict(pairs)
        examples = [InputExample(texts=[s], label=t) for s, t in zip(sentences, targets)]
        examples += [InputExample(texts=list(p), label=float(x)) for p, x in zip(pairs, scores)]
        # edge: feedback-guidance teacher->student edge: feedback-guidance ce->student
        student.fit(train_objectives=[(DataLoader(examples), loss)], epochs=1)
    """,
    "a teacher given beside a student to the data that trains it": """
        from sentence_transformers import SentenceTransformer
        from sentence_transformers.datasets import ParallelSentencesDataset

        teacher = SentenceTransformer("paraphrase-distilroberta-base-v2")  # model: teacher
        student = SentenceTransformer("xlm-roberta-base")  # model: student
        # edge: feedback-guidance teacher->student frozen=true
        data = ParallelSentencesDataset(student_model=student, teacher_model=teacher)
    """,
    "a CLIP loss trains the generator, and the same CLIP scores it without gradients at validation": """
        import torch
        from diffusers import UNet2DConditionModel
        from transformers import CLIPModel

        unet = UNet2DConditionModel.from_pretrained("stabilityai/sd-turbo", subfolder="unet")  # model: unet
        clip = CLIPModel.from_pretrained("openai/clip-vit-base-patch32")  # model: clip
        clip.requires_grad_(False)
        optimizer = torch.optim.AdamW(unet.parameters())

        def train(loader, val_batch, tracker):
            for step, batch in enumerate(loader):
                pred = unet(batch["latents"], batch["t"], batch["text"]).sample
                clip_score = clip.get_image_features(pred).mean()  # edge: feedback-guidance clip->unet
                loss = -clip_score
                loss.backward()
                optimizer.step()
                if step % 500 == 0:
                    with torch.no_grad():
                        val_pred = unet(val_batch["latents"], val_batch["t"], val_batch["text"]).sample
                        val_score = clip.get_image_features(val_pred).mean()  # edge: evaluation unet->clip
                    tracker.log({"val/clip_score": val_score.item()})
    """,
    "a frozen reference copy of the trained UNet's own repo guides it through the DPO loss": """
        import torch
        import torch.nn.functional as F
        from diffusers import UNet2DConditionModel

        base = "runwayml/stable-diffusion-v1-5"
        unet = UNet2DConditionModel.from_pretrained(base, subfolder="unet")  # model: unet
        ref_unet = UNet2DConditionModel.from_pretrained(base, subfolder="unet")  # model: ref
        ref_unet.requires_grad_(False)
        optimizer = torch.optim.AdamW(unet.parameters())

        def step(latents, t, text, noise):
            model_diff = (unet(latents, t, text).sample - noise).pow(2).mean()
            with torch.no_grad():
                ref_diff = (ref_unet(latents, t, text).sample - noise).pow(2).mean()
            loss = -F.logsigmoid(-0.5 * (model_diff - ref_diff))
            loss.backward()  # edge: feedback-guidance ref->unet frozen=true
            optimizer.step()
    """,
    "a teacher loaded again from the student's own repo, run without gradients, guides the student": """
        import torch
        import torch.nn.functional as F
        from accelerate import Accelerator
        from diffusers import UNet2DConditionModel

        base = "CompVis/stable-diffusion-v1-4"
        unet = UNet2DConditionModel.from_pretrained(base, subfolder="unet")  # model: student
        teacher = UNet2DConditionModel.from_pretrained(base, subfolder="unet")  # model: teacher
        del unet.down_blocks[-1]  # the student is pruned from the teacher
        optimizer = torch.optim.AdamW(unet.parameters())
        accelerator = Accelerator()

        def step(latents, t, text, noise):
            model_pred = unet(latents, t, text).sample
            with torch.no_grad():
                teacher_pred = teacher(latents, t, text).sample
            loss = F.mse_loss(model_pred, noise) + F.mse_loss(model_pred, teacher_pred)
            accelerator.backward(loss)  # edge: feedback-guidance teacher->student frozen=true
            optimizer.step()
    """,
    "a validation score assigned to the training loss's name, and a module prepared by accelerate": """
        import torch
        import torch.nn.functional as F
        from accelerate import Accelerator
        from diffusers import AutoencoderKL, UNet2DConditionModel
        from transformers import CLIPModel, CLIPTextModel


        class Pix2Pix(torch.nn.Module):
            def __init__(self):
                super().__init__()
                base = "stabilityai/sd-turbo"
                self.text_encoder = CLIPTextModel.from_pretrained(base, subfolder="text_encoder")  # model: te
                self.unet = UNet2DConditionModel.from_pretrained(base, subfolder="unet")  # model: unet
                self.vae = AutoencoderKL.from_pretrained(base, subfolder="vae")  # model: vae

            def forward(self, x, ids):
                states = self.text_encoder(ids)[0]
                # edge: feature-handoff/hierarchical te->unet
                pred = self.unet(x, 999, encoder_hidden_states=states).sample
                return self.vae.decode(pred).sample  # edge: feature-handoff/hierarchical unet->vae


        def main(loader, val, tracker):
            accelerator = Accelerator()
            net = Pix2Pix()
            clip_model = CLIPModel.from_pretrained("openai/clip-vit-base-patch32")  # model: clip
            clip_model.requires_grad_(False)
            optimizer = torch.optim.AdamW(net.parameters())
            net, optimizer = accelerator.prepare(net, optimizer)
            for step, batch in enumerate(loader):
                out = net(batch["x"], batch["ids"])
                clipsim = clip_model(pixel_values=out, input_ids=batch["ids"]).logits_per_image
                loss = F.mse_loss(out, batch["y"]) + (1 - clipsim.mean())
                accelerator.backward(loss)  # edge: feedback-guidance clip->vae frozen=true
                optimizer.step()
                if step % 100 == 0:
                    for batch_val in val:
                        with torch.no_grad():
                            out = net(batch_val["x"], batch_val["ids"])
                            # edge: feature-handoff/sequential vae->clip (what forward returns: the VAE's)
                            clipsim = clip_model(pixel_values=out, input_ids=batch_val["ids"]).logits
                        accelerator.log({"val/clipsim": clipsim.mean().item()}, step=step)
    """,
    "a reward model's score enters the policy's loss": """
        import torch
        from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

        policy = AutoModelForCausalLM.from_pretrained("gpt2")  # model: policy
        # model: reward
        reward_model = AutoModelForSequenceClassification.from_pretrained("OpenAssistant/reward-deberta")
        reward_model.eval()
        optimizer = torch.optim.Adam(policy.parameters())

        def train_step(batch):
            out = policy(**batch)
            with torch.no_grad():
                reward = reward_model(input_ids=out.logits.argmax(-1)).logits
            loss = -(out.logits.log_softmax(-1).max(-1).values.sum() * reward)
            loss.backward()  # edge: feedback-guidance reward->policy stage=fine-tuning frozen=true
            optimizer.step()
    """,
    "a snapshot downloaded into the folder of the checkpoint path the model is then loaded from": """
        import argparse

        import torch
        from huggingface_hub import snapshot_download
        from transformers import AutoModel

        from utils import instantiate_from_config, load_model_checkpoint

        def reward_loss_fn(device):
            scorer = AutoModel.from_pretrained("yuvalkirstain/PickScore_v1").to(device)  # model: pick

            def loss_fn(images):
                return -scorer.get_image_features(pixel_values=images).mean()

            return loss_fn

        def main(args):
            ckpt_dir = args.ckpt_path.split("/")
            ckpt_dir = "/".join(ckpt_dir[:-1])
            snapshot_download(repo_id="VideoCrafter/VideoCrafter2", local_dir=ckpt_dir)  # model: video
            model = instantiate_from_config(args.config)
            model = load_model_checkpoint(model, args.ckpt_path)
            optimizer = torch.optim.AdamW(model.parameters())
            loss_fn = reward_loss_fn("cuda")
            for prompt in args.prompts:
                frames = model.sample(prompt)
                loss = loss_fn(frames)  # edge: feedback-guidance pick->video stage=fine-tuning
                loss.backward()
                optimizer.step()
    """,
}

EVALUATION_CASES = {
    "a detector in an eval_ function of a script scores the samples, whatever the script is named": {
        "run.py": """
            import json

            import torch
            from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

            base = AutoModelForCausalLM.from_pretrained("gpt2-medium")  # model: gpt2
            base_tokenizer = AutoTokenizer.from_pretrained("gpt2-medium")


            def eval_supervised(texts, name):
                detector = AutoModelForSequenceClassification.from_pretrained(name)  # model: detector
                tokenizer = AutoTokenizer.from_pretrained(name)
                with torch.no_grad():
                    # edge: evaluation gpt2->detector
                    preds = [detector(**tokenizer(t, return_tensors="pt")).logits[0, 0].item() for t in texts]
                return {"name": name, "predictions": preds}


            prompts = [base_tokenizer("The", return_tensors="pt").input_ids]
            samples = [base_tokenizer.decode(base.generate(ids)[0]) for ids in prompts]
            outputs = [eval_supervised(samples, "roberta-base-openai-detector")]
            with open("results.json", "w") as f:
                json.dump(outputs, f)
        """,
    },
    "a project module's output is what its forward returns: the VAE's decoded image, scored by CLIP": """
        import clip
        import torch
        from diffusers import AutoencoderKL, UNet2DConditionModel
        from transformers import CLIPTextModel


        class Pix2Pix(torch.nn.Module):
            def __init__(self):
                super().__init__()
                # model: text
                self.text_encoder = CLIPTextModel.from_pretrained("org/sd", subfolder="text_encoder")
                self.unet = UNet2DConditionModel.from_pretrained("org/sd", subfolder="unet")  # model: unet
                self.vae = AutoencoderKL.from_pretrained("org/sd", subfolder="vae")  # model: vae

            def forward(self, image, tokens):
                states = self.text_encoder(tokens)[0]
                latents = self.vae.encode(image).latent_dist.sample()
                # edge: feature-handoff/hierarchical text->unet
                # edge: feature-handoff/hierarchical vae->unet
                denoised = self.unet(latents, 999, encoder_hidden_states=states).sample
                return self.vae.decode(denoised).sample  # edge: feature-handoff/hierarchical unet->vae


        net = Pix2Pix()
        clip_model, preprocess = clip.load("ViT-B/32")  # model: clip


        @torch.no_grad()
        def validate(batches):
            scores = []
            for image, tokens, caption in batches:
                output = net(image, tokens)
                # edge: evaluation vae->clip stage=evaluation
                logits, _ = clip_model(output, clip.tokenize(caption))
                scores.append(logits.mean().item())
            print(sum(scores) / len(scores))
    """,
    "generated images saved into a folder, read back from it and scored by CLIP": """
        import os

        from diffusers import StableDiffusionPipeline
        from PIL import Image
        from transformers import CLIPModel, CLIPProcessor

        pipe = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd
        clip = CLIPModel.from_pretrained("openai/clip-vit-base-patch32")  # model: clip
        processor = CLIPProcessor.from_pretrained("openai/clip-vit-base-patch32")

        def generate(prompts, out_dir):
            for i, prompt in enumerate(prompts):
                path = os.path.join(out_dir, f"{i}.png")
                pipe(prompt).images[0].save(path)

        def score(prompts, out_dir):
            generate(prompts, out_dir)
            images = [Image.open(os.path.join(out_dir, name)) for name in sorted(os.listdir(out_dir))]
            inputs = processor(text=prompts, images=images, return_tensors="pt", padding=True)
            # edge: evaluation sd->clip stage=evaluation
            print(clip(**inputs).logits_per_image.diag().mean())
    """,
    "only the branch a helper is told to take: no edge to the model of a branch no call asks for": """
        import open_clip
        from diffusers import DiffusionPipeline
        from transformers import AutoModel

        pipe = DiffusionPipeline.from_pretrained("tianweiy/DMD2")  # model: sd

        def clip_score(images, clip_model="ViT-B/32"):
            if clip_model == "ViT-B/32":
                clip, _, preprocess = open_clip.create_model_and_transforms("ViT-B-32", pretrained="openai")
            elif clip_model == "ViT-G/14":
                # model: g14
                clip, _, preprocess = open_clip.create_model_and_transforms("ViT-g-14", pretrained="laion")
            return clip.encode_image(preprocess(images)).mean()  # edge: evaluation sd->g14

        def load_judge(kind):
            if kind == "large":
                return AutoModel.from_pretrained("org/judge-large")
            return AutoModel.from_pretrained("org/judge-small")  # model: small

        def evaluate(prompts):
            images = pipe(prompts).images
            judge = load_judge("small")
            print(clip_score(images, clip_model="ViT-G/14"))
            print(judge(images).logits.mean())  # edge: evaluation sd->small
    """,
    "clip_score of generated images, printed": """
        import torch
        from diffusers import StableDiffusionPipeline
        from transformers import CLIPModel, CLIPProcessor

        pipe = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd
        clip = CLIPModel.from_pretrained("openai/clip-vit-large-patch14")  # model: clip
        processor = CLIPProcessor.from_pretrained("openai/clip-vit-large-patch14")

        def clip_score(images, prompts):
            inputs = processor(text=prompts, images=images, return_tensors="pt", padding=True)
            return clip(**inputs).logits_per_image.diag().mean()  # edge: evaluation sd->clip stage=evaluation

        prompts = ["a cat", "a dog"]
        images = pipe(prompts).images
        score = clip_score(images, prompts)
        print(f"CLIP score: {score:.3f}")
    """,
    "FID-style Inception features of a generator's samples, compared in an eval function": """
        import timm
        from diffusers import DDPMPipeline

        generator = DDPMPipeline.from_pretrained("google/ddpm-cifar10-32")  # model: ddpm
        inception = timm.create_model("inception_v3.tv_in1k", pretrained=True)  # model: inception

        def evaluate(real):
            fake = generator(batch_size=16).images
            fake_features = inception(fake)  # edge: evaluation ddpm->inception stage=evaluation
            return ((fake_features.mean(0) - inception(real).mean(0)) ** 2).sum()
    """,
    "a reward model scoring samples in a training loop's validation step, logged, in no loss": """
        import torch
        import wandb
        from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

        policy = AutoModelForCausalLM.from_pretrained("gpt2")  # model: policy
        # model: rm
        rm = AutoModelForSequenceClassification.from_pretrained("OpenAssistant/reward-model-deberta-v3")
        rm_tok = AutoTokenizer.from_pretrained("OpenAssistant/reward-model-deberta-v3")
        optimizer = torch.optim.AdamW(policy.parameters())

        def main(loader):
            for step, batch in enumerate(loader):
                loss = policy(**batch).loss
                loss.backward()
                optimizer.step()
                if step % 100 == 0:
                    samples = policy.generate(batch["input_ids"])
                    # edge: evaluation policy->rm stage=evaluation
                    rewards = rm(**rm_tok(samples, return_tensors="pt")).logits
                    wandb.log({"reward": rewards.mean()})
    """,
    "CLIP's image-text logits of the generated images only averaged and logged": """
        import wandb
        from diffusers import StableDiffusionPipeline
        from transformers import CLIPModel, CLIPProcessor

        pipe = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd
        clip = CLIPModel.from_pretrained("openai/clip-vit-base-patch32")  # model: clip
        proc = CLIPProcessor.from_pretrained("openai/clip-vit-base-patch32")

        def generate_and_log(prompts):
            images = pipe(prompts).images
            inputs = proc(text=prompts, images=images, return_tensors="pt", padding=True)
            logits = clip(**inputs).logits_per_image  # edge: evaluation sd->clip stage=evaluation
            wandb.log({"alignment": logits.diag().mean()})
    """,
    "a helper returns CLIP's logits of the generated images, its caller only averages and logs them": """
        import wandb
        from diffusers import StableDiffusionPipeline
        from transformers import CLIPModel, CLIPProcessor

        pipe = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd
        clip = CLIPModel.from_pretrained("openai/clip-vit-base-patch32")  # model: clip
        proc = CLIPProcessor.from_pretrained("openai/clip-vit-base-patch32")

        def alignment(images, prompts):
            inputs = proc(text=prompts, images=images, return_tensors="pt", padding=True)
            return clip(**inputs).logits_per_image.diag()  # edge: evaluation sd->clip stage=evaluation

        def generate(prompts):
            images = pipe(prompts).images
            wandb.log({"clip": alignment(images, prompts).mean()})
            return images
    """,
    "an ASR model's transcripts of synthesized speech enter a WER metric": """
        import jiwer
        from transformers import pipeline

        tts = pipeline("text-to-speech", model="suno/bark-small")  # model: bark
        asr = pipeline("automatic-speech-recognition", model="openai/whisper-small")  # model: whisper

        def intelligibility(texts):
            errors = []
            for text in texts:
                speech = tts(text)
                transcript = asr(speech["audio"])["text"]  # edge: evaluation bark->whisper stage=evaluation
                errors.append(jiwer.wer(text, transcript))
            return sum(errors) / len(errors)
    """,
    "a cross-encoder whose scores of the retrieved passages are only averaged and printed": """
        from sentence_transformers import CrossEncoder, SentenceTransformer, util

        retriever = SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2")  # model: retriever
        reranker = CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2")  # model: reranker

        def relevance(queries, corpus, corpus_embeddings):
            for query in queries:
                hits = util.semantic_search(retriever.encode(query), corpus_embeddings, top_k=10)[0]
                pairs = [(query, corpus[hit["corpus_id"]]) for hit in hits]
                scores = reranker.predict(pairs)  # edge: evaluation retriever->reranker stage=evaluation
                print(f"{query}: mean relevance {scores.mean():.3f}")
    """,
}

POST_PROCESSING = {
    "a base class's private checker a subclass calls by its mangled name filters the upscaler's images": """
        import clip
        import torch
        from diffusers import DiffusionPipeline


        class IFBaseModule:
            clip_model, clip_preprocess = clip.load("ViT-L/14", device="cpu")  # model: clip

            def __validate_generations(self, generations):
                with torch.no_grad():
                    # edge: post-processing upscaler->clip
                    features = self.clip_model.encode_image(generations)
                    generations[features > 0.5] = 0
                return generations


        class StableStageIII(IFBaseModule):
            def __init__(self, model_id):
                self.model = DiffusionPipeline.from_pretrained(model_id)  # model: upscaler

            def embeddings_to_image(self, low_res, prompt):
                images = self.model(image=low_res, prompt=prompt).images
                return self._IFBaseModule__validate_generations(images)
    """,
    "an evaluator's predictions written under output_path, read back and re-ranked by another evaluator": """
        import os

        from datasets import load_dataset
        from sentence_transformers import CrossEncoder, SentenceTransformer
        from sentence_transformers.cross_encoder.evaluation import CrossEncoderRerankingEvaluator
        from sentence_transformers.evaluation import InformationRetrievalEvaluator

        name = "multi-qa-MiniLM-L6-cos-v1"
        queries, corpus, relevant_docs = {}, {}, {}
        bi_encoder = SentenceTransformer(name)  # model: retriever
        os.makedirs(f"runs/{name}/result", exist_ok=True)
        evaluator = InformationRetrievalEvaluator(queries, corpus, relevant_docs, write_predictions=True)
        evaluator(bi_encoder, output_path=f"runs/{name}/result")

        cross_encoder = CrossEncoder("cross-encoder/ms-marco-MiniLM-L6-v2")  # model: reranker
        predictions = load_dataset("json", data_files=f"runs/{name}/result/predictions.jsonl")["train"]
        samples = [{"query": p["query"], "documents": [r["text"] for r in p["results"]]} for p in predictions]
        reranking = CrossEncoderRerankingEvaluator(samples=samples)
        # edge: post-processing retriever->reranker
        results = reranking(cross_encoder, output_path=f"runs/{name}/rerank")
    """,
    "a staticmethod called on self gets its first argument in its first parameter": """
        from sentence_transformers import CrossEncoder, SentenceTransformer


        class Retriever:
            def __init__(self):
                self.embedder = SentenceTransformer("BAAI/bge-small-en-v1.5")  # model: embedder
                self.reranker = CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2")  # model: reranker

            @staticmethod
            def _score_pairs(reranker, query, texts):
                # edge: post-processing embedder->reranker
                return reranker.predict([(query, text) for text in texts])

            def search(self, query, corpus, corpus_embeddings):
                hits = (corpus_embeddings @ self.embedder.encode(query)).argsort()[-10:]
                texts = [corpus[i] for i in hits]
                scores = self._score_pairs(self.reranker, query, texts)
                return [text for _, text in sorted(zip(scores, texts), reverse=True)]
    """,
    "candidates a scorer picks among are its output: the proposer reaches the scorer, not the next": """
        from transformers import CLIPModel, CLIPSegForImageSegmentation, pipeline

        proposer = pipeline("image-classification", model="google/vit-base-patch16-224")  # model: proposer
        clip = CLIPModel.from_pretrained("openai/clip-vit-base-patch32")  # model: clip
        seg = CLIPSegForImageSegmentation.from_pretrained("CIDAS/clipseg-rd16")  # model: seg


        def label(image):
            names = [guess["label"] for guess in proposer(image)]
            # edge: post-processing proposer->clip
            scores = clip(text=names, images=image).logits_per_image
            picked = [names[i] for i in scores.topk(3).indices[0]]
            # edge: feature-handoff/sequential clip->seg
            return seg(text=picked, images=[image] * 3).logits
    """,
    "an answer replaced, when it is no choice, by the choice another model maps it to": """
        from transformers import AutoModel, BlipForQuestionAnswering

        vqa = BlipForQuestionAnswering.from_pretrained("Salesforce/blip-vqa-base")  # model: vqa
        sbert = AutoModel.from_pretrained("sentence-transformers/all-mpnet-base-v2")  # model: sbert

        def multiple_choice(image, question, choices):
            answer = decode(vqa.generate(image, question))
            if answer not in choices:
                answer = sbert.closest(answer, choices)  # edge: post-processing vqa->sbert
            return answer
    """,
    "checkers whose __call__ loads and runs a model, called on the answer": """
        from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

        class SafetyChecker:
            def __call__(self, text):
                # model: checker
                model = AutoModelForSeq2SeqLM.from_pretrained("Salesforce/safety-flan-t5-base")
                return model.generate(tokenize(text))

        def get_checkers():
            checkers = []
            checkers.append(SafetyChecker())
            return checkers

        llm = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B")  # model: llm

        def answer(prompt):
            text = decode(llm.generate(prompt))
            results = [check(text) for check in get_checkers()]  # edge: post-processing llm->checker
            return text if all(results) else None
    """,
    "a safety checker in a method the class calls on the pipeline's images": """
        from diffusers import StableDiffusionPipeline
        from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker

        class Predictor:
            def setup(self):
                self.pipe = StableDiffusionPipeline.from_pretrained("runwayml/sd-v1-5")  # model: sd
                # model: checker
                self.safety_checker = StableDiffusionSafetyChecker.from_pretrained("CompVis/sd-checker")

            def run_safety_checker(self, image):
                # edge: post-processing sd->checker
                return self.safety_checker(images=image, clip_input=self.features(image))

            def predict(self, prompt):
                images = self.pipe(prompt).images
                checked, flagged = self.run_safety_checker(images)
                return checked
    """,
    "a safety checker filters the pipeline's images before they are returned": """
        from diffusers import StableDiffusionPipeline
        from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
        from transformers import CLIPImageProcessor

        # model: sd
        pipe = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5", safety_checker=None)
        # model: checker
        safety_checker = StableDiffusionSafetyChecker.from_pretrained("CompVis/sd-safety-checker")
        features = CLIPImageProcessor.from_pretrained("openai/clip-vit-base-patch32")

        def generate(prompt):
            images = pipe(prompt, output_type="np").images
            clip_input = features(images, return_tensors="pt").pixel_values
            # edge: post-processing sd->checker stage=inference
            images, nsfw = safety_checker(images=images, clip_input=clip_input)
            return images
    """,
    "a CrossEncoder re-ranks what a bi-encoder retrieved": """
        from sentence_transformers import CrossEncoder, SentenceTransformer, util

        retriever = SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2")  # model: retriever
        reranker = CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2")  # model: reranker

        def search(query, corpus, corpus_embeddings):
            hits = util.semantic_search(retriever.encode(query), corpus_embeddings, top_k=20)[0]
            pairs = [(query, corpus[hit["corpus_id"]]) for hit in hits]
            scores = reranker.predict(pairs)  # edge: post-processing retriever->reranker
            return sorted(zip(scores, pairs), reverse=True)
    """,
    "an upscaler enlarges the generated image": """
        from diffusers import StableDiffusionLatentUpscalePipeline, StableDiffusionPipeline

        pipe = StableDiffusionPipeline.from_pretrained("CompVis/stable-diffusion-v1-4")  # model: sd
        # model: up
        upscaler = StableDiffusionLatentUpscalePipeline.from_pretrained("stabilityai/sd-x2-latent-upscaler")

        low = pipe("a castle", output_type="latent").images
        image = upscaler(prompt="a castle", image=low).images[0]  # edge: post-processing sd->up
        image.save("castle.png")
    """,
    "a cross-encoder's re-ranked passages printed as a demo's results (no score reported)": """
        from sentence_transformers import CrossEncoder, SentenceTransformer, util

        retriever = SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2")  # model: retriever
        reranker = CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2")  # model: reranker

        while True:
            query = input("Question: ")
            hits = util.semantic_search(retriever.encode(query), corpus_embeddings, top_k=100)[0]
            # edge: post-processing retriever->reranker
            ranked = reranker.rank(query, [corpus[hit["corpus_id"]] for hit in hits], top_k=5)
            for hit in ranked:
                print(hit["score"], hit["text"])
    """,
    "a safety checker's images saved and its flags logged: it filtered what was saved": """
        import logging

        from diffusers import StableDiffusionPipeline
        from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker

        logger = logging.getLogger(__name__)
        pipe = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd
        # model: checker
        safety_checker = StableDiffusionSafetyChecker.from_pretrained("CompVis/sd-safety-checker")

        images = pipe("a castle", output_type="np").images
        # edge: post-processing sd->checker
        checked, flagged = safety_checker(images=images, clip_input=clip_input(images))
        logger.info("nsfw: %s", flagged)
        save_images(checked, "out/")
    """,
    "a helper returns a sequence classifier's relevance scores, its caller sorts the passages by them": """
        from sentence_transformers import SentenceTransformer, util
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        retriever = SentenceTransformer("all-MiniLM-L6-v2")  # model: retriever
        tok = AutoTokenizer.from_pretrained("cross-encoder/ms-marco-MiniLM-L-6-v2")
        # model: ce
        model = AutoModelForSequenceClassification.from_pretrained("cross-encoder/ms-marco-MiniLM-L-6-v2")

        def relevance(query, passages):
            inputs = tok([query] * len(passages), passages, return_tensors="pt", padding=True)
            return model(**inputs).logits[:, 0]  # edge: post-processing retriever->ce

        def search(query, corpus, corpus_embeddings):
            hits = util.semantic_search(retriever.encode(query), corpus_embeddings, top_k=20)[0]
            passages = [corpus[hit["corpus_id"]] for hit in hits]
            scores = relevance(query, passages)
            return [p for _, p in sorted(zip(scores.tolist(), passages), reverse=True)]
    """,
    "a reward model's scores pick the best of n samples (best-of-n re-ranking)": """
        import torch
        from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

        policy = AutoModelForCausalLM.from_pretrained("gpt2")  # model: policy
        tok = AutoTokenizer.from_pretrained("gpt2")
        # model: rm
        rm = AutoModelForSequenceClassification.from_pretrained("OpenAssistant/reward-model-deberta-v3")
        rm_tok = AutoTokenizer.from_pretrained("OpenAssistant/reward-model-deberta-v3")

        def best_of_n(prompt, n=4):
            ids = policy.generate(**tok(prompt, return_tensors="pt"), do_sample=True, num_return_sequences=n)
            candidates = tok.batch_decode(ids, skip_special_tokens=True)
            with torch.no_grad():
                inputs = rm_tok([prompt] * n, candidates, return_tensors="pt", padding=True)
                rewards = rm(**inputs).logits[:, 0]  # edge: post-processing policy->rm stage=inference
            return candidates[rewards.argmax()]
    """,
    "CLIP's similarity keeps the generated captions that match their image": """
        from transformers import BlipForConditionalGeneration, CLIPModel, CLIPProcessor

        # model: blip
        captioner = BlipForConditionalGeneration.from_pretrained("Salesforce/blip-image-captioning-base")
        clip = CLIPModel.from_pretrained("openai/clip-vit-base-patch32")  # model: clip
        proc = CLIPProcessor.from_pretrained("openai/clip-vit-base-patch32")

        def caption(images):
            captions = captioner.generate(pixel_values=images)
            # edge: post-processing blip->clip
            out = clip(**proc(text=captions, images=images, return_tensors="pt", padding=True))
            similarity = out.logits_per_image.diag()
            return [c for c, s in zip(captions, similarity) if s > 25]
    """,
    "a toxicity classifier gates the chat model's answer": """
        from transformers import pipeline

        chat = pipeline("text-generation", model="Qwen/Qwen2-0.5B-Instruct")  # model: chat
        guard = pipeline("text-classification", model="unitary/toxic-bert")  # model: guard

        def reply(message):
            answer = chat(message)[0]["generated_text"]
            if guard(answer)[0]["label"] == "toxic":  # edge: post-processing chat->guard
                return "Sorry, I cannot answer that."
            return answer
    """,
    "a punctuation model restores the transcript's punctuation": """
        from transformers import pipeline

        asr = pipeline("automatic-speech-recognition", model="openai/whisper-small")  # model: whisper
        # model: punct
        punctuator = pipeline("token-classification", model="oliverguhr/fullstop-punctuation-multilang-large")

        def transcribe(audio):
            text = asr(audio)["text"]
            return restore(text, punctuator(text))  # edge: post-processing whisper->punct
    """,
}

NO_EDGE = {
    "a DataLoader's batches keep their items' fields: cached latents are not the prompt ids": """
        from diffusers import AutoencoderKL
        from torch.utils.data import DataLoader
        from transformers import CLIPTextModel

        vae = AutoencoderKL.from_pretrained("sd-1-5", subfolder="vae")
        text_encoder = CLIPTextModel.from_pretrained("sd-1-5", subfolder="text_encoder")


        def embed_prompts(dataset):
            cached = []
            for item in dataset:
                item["latents"] = vae.encode(item["pixel_values"]).latent_dist.sample()
                cached.append(item)
            return [text_encoder(batch["input_ids"])[0] for batch in DataLoader(cached, batch_size=4)]
    """,
    "a checker's score appended to a record's answer text annotates it, accumulating no output": """
        from sentence_transformers import SentenceTransformer
        from transformers import pipeline

        checker = pipeline("text-classification", model="vectara/hallucination_evaluation_model")
        embedder = SentenceTransformer("all-MiniLM-L6-v2")


        def turn(query, context):
            result = {"answer": context[:200]}
            result["answer"] += f" [Confidence: {checker(query + context)[0]['score']:.0%}]"
            return embedder.encode(result["answer"])
    """,
    "a method of a loaded model's class running none of its layers runs no model on what it is given": """
        import torch
        import whisper
        from huggingface_hub import hf_hub_download
        from torch import nn


        class RQBottleneck(nn.Module):
            def __init__(self, width=384):
                super().__init__()
                self.rq = nn.Linear(width, width)
                self.whmodel = None

            @classmethod
            def load_model(cls, repo_id, filename):
                spec = torch.load(hf_hub_download(repo_id=repo_id, filename=filename))
                vqmodel = cls(width=384)
                vqmodel.load_state_dict(spec["state_dict"])
                return vqmodel

            def ensure_whisper(self):
                if self.whmodel is None:
                    self.whmodel = [whisper.load_model("medium.en")]

            def describe(self, embs):
                return {"shape": tuple(embs.shape), "mean": float(embs.mean())}

            def encode_mel(self, mel):
                self.ensure_whisper()
                return self.describe(self.whmodel[0].encoder(mel))
    """,
    "a Gradio property update (visible=...) computed from a model hands the component no value": """
        import gradio as gr
        import torchaudio
        from transformers import AutoModel, pipeline

        tts = AutoModel.from_pretrained("org/tts")  # model: tts
        embedder = pipeline("feature-extraction", model="org/speaker-embedder")  # model: speaker


        def update_ui():
            names = tts.config.conditioners
            return gr.update(visible="speaker" in tts(names))


        def embed(speaker_audio):
            wav, sr = torchaudio.load(speaker_audio)
            return embedder(wav)


        with gr.Blocks() as demo:
            speaker_audio = gr.Audio(type="filepath")
            output = gr.Textbox()
            demo.load(fn=update_ui, inputs=[], outputs=[speaker_audio])
            gr.Button().click(fn=embed, inputs=[speaker_audio], outputs=[output])
    """,
    "a value assigned in one branch of an if never reaches the use in another": """
        from transformers import pipeline

        summarizer = pipeline("summarization", model="facebook/bart-large-cnn")
        translator = pipeline("translation_en_to_fr", model="t5-base")


        def route(splits):
            for symbol, part in splits.items():
                if symbol == "summary":
                    part = summarizer(part)[0]["summary_text"]
                elif symbol == "french":
                    part = translator(part)[0]["translation_text"]
                print(symbol, part)
    """,
    "a model loaded only under a module flag set to False is never made": """
        from diffusers import StableDiffusionInpaintPipeline
        from transformers import Blip2ForConditionalGeneration

        use_blip = False
        pipe = StableDiffusionInpaintPipeline.from_pretrained("runwayml/stable-diffusion-inpainting")
        if use_blip:
            blip_model = Blip2ForConditionalGeneration.from_pretrained("Salesforce/blip2-opt-2.7b")


        def edit(image, mask, prompt):
            if use_blip:
                prompt = prompt + ", " + blip_model.generate(image)[0]
            return pipe(prompt, image=image, mask_image=mask).images[0]
    """,
    "an output's shape, size, type and device sizing another model's input are no output of it": """
        import torch
        from diffusers import DiffusionPipeline

        video = DiffusionPipeline.from_pretrained("showlab/show-1-base")  # model: video
        sr = DiffusionPipeline.from_pretrained("showlab/show-1-sr2")  # model: sr


        def blank_upscale(prompt):
            frames = video(prompt, output_type="pt").frames
            size = (1, 3, frames.shape[2], frames.size(3) * 4, 256)
            canvas = torch.zeros(size, device=frames.device, dtype=frames.dtype)
            return sr(prompt, video=canvas).frames
    """,
    "how many outputs a model gave is no output of it": """
        from transformers import pipeline

        asr = pipeline("automatic-speech-recognition", model="openai/whisper-small")  # model: asr
        tts = pipeline("text-to-speech", model="suno/bark-small")  # model: tts


        def announce(files):
            texts = [asr(f)["text"] for f in files]
            return tts(f"Transcribed {len(texts)} files")
    """,
    "weights handed to a model's post_init set it up, no output of it": """
        import torch
        from huggingface_hub import hf_hub_download
        from transformers import AutoModel

        base = AutoModel.from_pretrained("bert-base-uncased")  # model: bert
        state_dict = {}
        for shard in ["a.bin", "b.bin"]:
            state_dict.update(torch.load(hf_hub_download("org/value-head", shard)))  # model: head
        base.post_init(state_dict=state_dict)
    """,
    "a snapshot downloaded into a folder below an output folder: the output folder's files are not its": """
        import os

        import torch
        from huggingface_hub import snapshot_download
        from transformers import AutoModel

        from utils import load_model_checkpoint

        def main(args):
            weights_dir = os.path.join(args.output_dir, "weights")
            snapshot_download(repo_id="VideoCrafter/VideoCrafter2", local_dir=weights_dir)  # model: video
            scorer = AutoModel.from_pretrained("yuvalkirstain/PickScore_v1")  # model: pick
            model = load_model_checkpoint(None, args.output_dir)
            frames = model.sample(args.prompt)
            loss = -scorer.get_image_features(pixel_values=frames).mean()
            loss.backward()
    """,
    "each branch composes the UNet it loads into its own pipeline, never the other branch's": """
        from diffusers import KandinskyV22InpaintPipeline, KandinskyV22Pipeline, UNet2DConditionModel

        DECODER = "kandinsky-community/kandinsky-2-2-decoder"
        INPAINT = "kandinsky-community/kandinsky-2-2-decoder-inpaint"


        class Kandinsky22:
            def __init__(self, task="text2img"):
                if task == "text2img":
                    self.unet = UNet2DConditionModel.from_pretrained(DECODER, subfolder="unet")  # model: unet
                    # model: decoder
                    self.decoder = KandinskyV22Pipeline.from_pretrained(DECODER, unet=self.unet)
                else:
                    # model: inpaint_unet
                    self.unet = UNet2DConditionModel.from_pretrained(INPAINT, subfolder="unet")
                    # model: inpaint
                    self.decoder = KandinskyV22InpaintPipeline.from_pretrained(INPAINT, unet=self.unet)
    """,
    "a model's context length sizing another model's token ids is no output of it": """
        import clip
        import torch
        from transformers import T5EncoderModel, T5Tokenizer

        clip_model, preprocess = clip.load("ViT-L/14")  # model: clip
        t5 = T5EncoderModel.from_pretrained("google/t5-v1_1-xl")  # model: t5
        tokenizer = T5Tokenizer.from_pretrained("google/t5-v1_1-xl")


        @torch.no_grad()
        def encode(prompts):
            max_length = clip_model.context_length
            ids = tokenizer(prompts, max_length=max_length, padding="max_length", return_tensors="pt")
            return t5(ids.input_ids).last_hidden_state
    """,
    "a tokenizer loaded from one model's downloaded folder prepares another's input, running no model": """
        from huggingface_hub import hf_hub_download
        from transformers import AutoModelForCausalLM, AutoTokenizer


        def load(cache_dir, settings):
            for name in ["config.json", "model.safetensors", "tokenizer.json"]:
                hf_hub_download("org/draft-lm", name, local_dir=cache_dir)  # model: draft
            settings["tokenizer_name"] = cache_dir
            tokenizer = AutoTokenizer.from_pretrained(settings["tokenizer_name"])
            target = AutoModelForCausalLM.from_pretrained("org/target-lm")  # model: target
            return tokenizer, target


        def answer(prompt, cache_dir, settings):
            tokenizer, target = load(cache_dir, settings)
            return target.generate(**tokenizer(prompt, return_tensors="pt"))
    """,
    "a scorer's own tokenizer preparing a dataset runs no model": """
        import torch
        from transformers import BlipForImageTextRetrieval, CLIPTextModel

        class Trainer:
            def __init__(self, dataset):
                base = "runwayml/stable-diffusion-v1-5"
                self.text_encoder = CLIPTextModel.from_pretrained(base, subfolder="text_encoder")
                self.scorer = BlipForImageTextRetrieval.from_pretrained("Salesforce/blip-itm-base-coco")

                def preprocess(examples):
                    examples["scorer_ids"] = self.scorer.tokenizer(examples["text"]).input_ids
                    return examples

                self.loader = torch.utils.data.DataLoader(dataset.with_transform(preprocess))

            def step(self):
                for batch in self.loader:
                    return self.text_encoder(batch["scorer_ids"])
    """,
    "a bot keeping its models in a dict is no model: its method handed to a UI event runs none": """
        import gradio as gr
        import whisper
        from transformers import pipeline

        asr = whisper.load_model("base")

        class Bot:
            def __init__(self):
                self.models = {}
                self.models["caption"] = pipeline("image-to-text", model="org/captioner")

            def run_text(self, text, state):
                return state + [(text, "noted")], state

        def transcribe(path):
            return asr.transcribe(path)["text"]

        bot = Bot()
        with gr.Blocks() as demo:
            txt, audio, chat, state = gr.Textbox(), gr.Audio(type="filepath"), gr.Chatbot(), gr.State([])
            gr.Button().click(transcribe, inputs=[audio], outputs=[txt])
            txt.submit(bot.run_text, [txt, state], [chat, state])
    """,
    "a trained UNet composed into a pipeline only to be saved": """
        import torch
        from diffusers import AutoencoderKL, StableDiffusionPipeline, UNet2DConditionModel

        base = "runwayml/stable-diffusion-v1-5"
        unet = UNet2DConditionModel.from_pretrained("org/dpo-init-unet")
        optimizer = torch.optim.AdamW(unet.parameters())

        def finish(output_dir):
            vae = AutoencoderKL.from_pretrained("madebyollin/sdxl-vae-fp16-fix")
            pipeline = StableDiffusionPipeline.from_pretrained(base, unet=unet, vae=vae)
            pipeline.save_pretrained(output_dir)
    """,
    "an output added to a container that holds a model runs no model": """
        from transformers import AutoModel

        enc = AutoModel.from_pretrained("bert-base-uncased")
        dec = AutoModel.from_pretrained("gpt2")
        parts = {"decoder": dec}
        parts.update({"features": enc(text).last_hidden_state})
        queue = [dec]
        queue.append(enc(text).pooler_output)
    """,
    "a pipeline loaded from the folder a snapshot download gives is that download, not a part of it": """
        import pathlib

        from diffusers import DiffusionPipeline
        from huggingface_hub import snapshot_download

        path = pathlib.Path(snapshot_download(repo_id="nvidia/Cosmos-Predict2-2B-Text2Image"))
        pipeline = DiffusionPipeline.from_pretrained(str(path))
        pipeline("a robot arm").images[0].save("out.png")
    """,
    "a pipeline called before its name is rebound to one built with a separate VAE runs none of it": """
        from diffusers import AutoencoderKL, FluxPipeline

        def main(args):
            vae = AutoencoderKL.from_pretrained(args.base, subfolder="vae")
            pipeline = FluxPipeline.from_pretrained(args.base)
            class_images = pipeline(prompt=args.class_prompt).images
            save(class_images)
            pipeline = FluxPipeline.from_pretrained(args.base, vae=vae)
            pipeline.save_pretrained(args.output_dir)
    """,
    "a callee bound to a call of a builtin named like a model's method is no pipeline": """
        from transformers import pipeline

        classify = pipeline("text-classification", model="distilbert-base-uncased")
        scale = float(args.scale)
        convert = type(args.kind)

        def run(text):
            return convert(scale(classify(text)[0]["score"]))
    """,
    "an image-to-video pipeline sharing a text-to-video pipeline's parts runs none of its own": """
        from diffusers import CogVideoXImageToVideoPipeline, CogVideoXPipeline, CogVideoXTransformer3DModel

        pipe = CogVideoXPipeline.from_pretrained("THUDM/CogVideoX-5b")
        transformer = CogVideoXTransformer3DModel.from_pretrained(args.i2v, subfolder="transformer")
        image_pipe = CogVideoXImageToVideoPipeline.from_pretrained(
            args.i2v, transformer=transformer, vae=pipe.vae, text_encoder=pipe.text_encoder
        )

        def infer(prompt, image=None):
            if image is not None:
                return image_pipe(prompt=prompt, image=image).frames[0]
            return pipe(prompt=prompt).frames[0]
    """,
    "a small helper called more than a few times gives each call what that call passed": """
        import numpy as np
        import torch
        from diffusers import AutoencoderKL
        from transformers import AutoModelForImageSegmentation

        vae = AutoencoderKL.from_pretrained("stabilityai/sd-vae-ft-mse")  # model: vae
        rmbg = AutoModelForImageSegmentation.from_pretrained("briaai/RMBG-1.4")  # model: rmbg

        def to_tensor(images):
            return torch.from_numpy(np.stack(images)).float() / 127.5 - 1.0

        def to_numpy(pixels):
            return ((pixels + 1.0) * 127.5).clamp(0, 255).byte().numpy()

        def matte(photo):
            return rmbg(to_tensor([photo]))

        def encode(a, b, c, d, e):
            first, second = vae.encode(to_tensor([a])), vae.encode(to_tensor([b]))
            third, fourth = vae.encode(to_tensor([c])), vae.encode(to_tensor([d]))
            return first, second, third, fourth, vae.encode(to_tensor([e]))

        def decode(latents):
            return to_tensor(to_numpy(vae.decode(latents).sample))
    """,
    "a for loop's target, rebound every round, holds nothing the body gave it the round before": """
        from transformers import pipeline

        asr = pipeline("automatic-speech-recognition", model="openai/whisper-tiny")  # model: asr
        detector = pipeline("audio-classification", model="superb/wav2vec2-base-superb-ks")  # model: ks

        def label(clips):
            found = []
            for clip in clips:
                found.append(detector(clip))
                clip = asr(clip)["text"]
                print(clip)
            return found
    """,
    "an executor's submit with three arguments is no UI event writing into its last": """
        from concurrent.futures import ThreadPoolExecutor

        from transformers import pipeline

        asr = pipeline("automatic-speech-recognition", model="openai/whisper-small")
        llm = pipeline("text-generation", model="gpt2")

        def transcribe(audio, language):
            return asr(audio, generate_kwargs={"language": language})["text"]

        def run(audio, language, prompt):
            with ThreadPoolExecutor() as pool:
                future = pool.submit(transcribe, audio, language)
            print(future.result())
            return llm(prompt, max_new_tokens=len(language))
    """,
    "alternatives of one name (one or the other is loaded) do not feed each other": """
        from transformers import AutoModelForCausalLM, LlavaForConditionalGeneration

        def load(path, vision):
            if vision:
                return LlavaForConditionalGeneration.from_pretrained(path)
            return AutoModelForCausalLM.from_pretrained(path + "-text")

        model = load(args.path, args.vision)
        features = model.encode_images(pixels)
        model.generate(ids, images=features)
    """,
    "a tokenizer's output feeding its model is preprocessing, not an edge": """
        from transformers import AutoModel, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
        model = AutoModel.from_pretrained("bert-base-uncased")
        inputs = tokenizer("hello", return_tensors="pt")
        print(model(**inputs).last_hidden_state)
    """,
    "a tokenizer of another repo is no model either": """
        from transformers import AutoModel, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained("roberta-base")
        model = AutoModel.from_pretrained("bert-base-uncased")
        print(model(**tokenizer("hello", return_tensors="pt")))
    """,
    "a model's output only printed; another model run on other data": """
        from transformers import pipeline

        summarizer = pipeline("summarization", model="t5-small")
        translator = pipeline("translation_en_to_de", model="t5-base")
        print(summarizer("A long text."))
        print(translator("Another text."))
    """,
    "two loads of one repo (the model and its generation model) are one model": """
        from transformers import AutoModel, AutoModelForCausalLM

        base = AutoModel.from_pretrained("gpt2")
        lm = AutoModelForCausalLM.from_pretrained("gpt2")
        lm.generate(inputs_embeds=base(input_ids=[[1, 2]]).last_hidden_state)
    """,
    "a value overwritten before it reaches the other model": """
        import torch
        from transformers import AutoModel

        encoder = AutoModel.from_pretrained("bert-base-uncased")
        decoder = AutoModel.from_pretrained("gpt2")
        hidden = encoder(input_ids=torch.ones(1, 4, dtype=torch.long)).last_hidden_state
        hidden = torch.zeros(1, 4, 768)
        decoder(inputs_embeds=hidden)
    """,
    "a loss of one model only, the other model merely evaluated on the side, trains nothing across": """
        import torch
        from transformers import AutoModelForCausalLM

        student = AutoModelForCausalLM.from_pretrained("distilgpt2")
        teacher = AutoModelForCausalLM.from_pretrained("gpt2-large")
        optimizer = torch.optim.AdamW(student.parameters())
        for batch in loader:
            loss = student(**batch).loss
            loss.backward()
            optimizer.step()
            print(teacher(**batch).loss)
    """,
    "a safety checker run on uploaded images, not on a model's output": """
        from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
        from transformers import AutoModel

        safety_checker = StableDiffusionSafetyChecker.from_pretrained("CompVis/sd-safety-checker")
        embedder = AutoModel.from_pretrained("openai/clip-vit-base-patch32")

        def moderate(uploaded, clip_input):
            print(embedder(pixel_values=clip_input))
            return safety_checker(images=uploaded, clip_input=clip_input)
    """,
    "the function a constant key picks from a dict runs no model: no output handed on": """
        import cv2
        from diffusers import StableDiffusionImg2ImgPipeline
        from transformers import DPTForDepthEstimation

        dpt = DPTForDepthEstimation.from_pretrained("Intel/dpt-hybrid-midas")
        pipe = StableDiffusionImg2ImgPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")

        def log_depth(photo):
            print(dpt(photo).predicted_depth.mean())

        def depth_map(photo):
            return dpt(photo).predicted_depth

        def canny_map(image):
            return cv2.Canny(image, 100, 200)

        filters = {"canny": canny_map, "gray": cv2.cvtColor, "log": log_depth, "depth": depth_map}

        def draw(prompt, photo, kind):
            return pipe(prompt, image=filters["canny"](photo)).images[0]
    """,
    "a generator that yields its input chunks, not the model's output, hands nothing on": """
        from transformers import pipeline

        vad = pipeline("audio-classification", model="MIT/ast-finetuned-speech-commands-v2")
        asr = pipeline("automatic-speech-recognition", model="openai/whisper-small")

        def voiced(chunks):
            for chunk in chunks:
                print(vad(chunk))
                yield chunk

        def listen(chunks):
            return [asr(chunk) for chunk in voiced(chunks)]
    """,
    "models handed to a class's constructor and kept on self, used apart, hand nothing on": """
        from sentence_transformers import CrossEncoder, SentenceTransformer

        class Search:
            def __init__(self, embedder, reranker):
                self.embedder = embedder
                self.reranker = reranker

            def index(self, docs):
                return self.embedder.encode(docs)

            def score(self, pairs):
                return self.reranker.predict(pairs)

        search = Search(SentenceTransformer("all-MiniLM-L6-v2"), CrossEncoder("cross-encoder/ms-marco"))
    """,
    "models kept in a dict literal, each key's model run on its own input": """
        from transformers import pipeline

        MODELS = {
            "asr": pipeline("automatic-speech-recognition", model="openai/whisper-small"),
            "tts": pipeline("text-to-speech", model="suno/bark-small"),
        }

        def demo(audio, greeting):
            print(MODELS["asr"](audio)["text"])
            return MODELS["tts"](greeting)
    """,
    "a score computed from a model's output alone evaluates nothing": """
        from transformers import CLIPModel

        clip = CLIPModel.from_pretrained("openai/clip-vit-base-patch32")

        def evaluate(pixels):
            score = clip.get_image_features(pixel_values=pixels).norm()
            print(score)
    """,
    "scores written to a second file opened as f are not what the first f read": """
        import json
        import sys

        from transformers import pipeline

        qa = pipeline("question-answering", model="deepset/roberta-large-squad2")
        nli = pipeline("text-classification", model="google/t5_xxl_true_nli_mixture")


        def main(path):
            with open(path) as f:
                data = json.load(f)
            result = {"qa": [qa(question=item["question"], context=item["output"]) for item in data]}
            result["nli"] = [nli(item["output"]) for item in data]
            with open(path + ".score", "w") as f:
                json.dump(result, f)


        main(sys.argv[1])
    """,
}


@pytest.mark.parametrize("snippet", HANDOFF.values(), ids=HANDOFF.keys())
def test_feature_handoff_edges_follow_outputs_into_other_models(tmp_path: Path, snippet: str) -> None:
    check_edges(tmp_path, snippet)


@pytest.mark.parametrize("snippet", FEEDBACK.values(), ids=FEEDBACK.keys())
def test_feedback_guidance_edges_go_from_the_guide_to_the_trained_model(tmp_path: Path, snippet: str) -> None:
    check_edges(tmp_path, snippet)


@pytest.mark.parametrize("snippet", EVALUATION_CASES.values(), ids=EVALUATION_CASES.keys())
def test_evaluation_edges_go_from_the_evaluated_model_to_its_evaluator(tmp_path: Path, snippet: str) -> None:
    check_edges(tmp_path, snippet)


@pytest.mark.parametrize("snippet", POST_PROCESSING.values(), ids=POST_PROCESSING.keys())
def test_post_processing_edges_go_from_the_producer_to_the_filter(tmp_path: Path, snippet: str) -> None:
    check_edges(tmp_path, snippet)


@pytest.mark.parametrize("snippet", NO_EDGE.values(), ids=NO_EDGE.keys())
def test_no_edge_where_no_model_output_reaches_another_model(tmp_path: Path, snippet: str) -> None:
    assert check_edges(tmp_path, snippet) == ()


# A generating script saving its images into a folder (shared by the image-folder snippets below).
IMAGES_GENERATED_INTO_A_FOLDER = """
    from diffusers import StableDiffusionPipeline

    pipe = StableDiffusionPipeline.from_pretrained("CompVis/stable-diffusion-v1-4")  # model: sd

    def main(prompts, out_dir):
        for i, prompt in enumerate(prompts):
            pipe(prompt).images[0].save(f"{out_dir}/{i}.png")
"""

# A pipeline class that runs the text editors it is built with on a generator's text (MarkLLM's), and the
# editors: what two scripts, or two test functions, each build with models of their own.
_DETECTION_MODULES = {
    "pipeline.py": """
        class DetectionPipeline:
            def __init__(self, text_editor_list):
                self.text_editor_list = text_editor_list

            def evaluate(self, generator, prompt):
                text = generator.generate(prompt)
                for editor in self.text_editor_list:
                    text = editor.edit(text)
                return text
    """,
    "editors.py": """
        class Truncate:
            def edit(self, text):
                return text[:100]


        class Paraphrase:
            def __init__(self, model):
                self.model = model

            def edit(self, text):
                return self.model.generate(text)
    """,
}

ACROSS_MODULES = {
    "latents one script saves per step as an f-string series another reads back by step": {
        "preprocess.py": """
            import os

            import torch
            from diffusers import UNet2DConditionModel

            unet = UNet2DConditionModel.from_pretrained("sd-2-1", subfolder="unet")  # model: inverter


            def invert(latents, cond, save_path, timesteps):
                for t in timesteps:
                    latents = latents + unet(latents, t, encoder_hidden_states=cond).sample
                    torch.save(latents, os.path.join(save_path, "latents", f"noisy_latents_{t}.pt"))
                torch.save(latents.mean(), os.path.join(save_path, f"stats_{len(timesteps)}.pt"))


            if __name__ == "__main__":
                invert(torch.randn(1, 4, 64, 64), torch.randn(1, 77, 1024), "out", range(0, 1000, 20))
        """,
        "edit.py": """
            import os

            import torch
            from diffusers import UNet2DConditionModel

            unet = UNet2DConditionModel.from_pretrained("sd-2-1-base", subfolder="unet")  # model: editor
            decoder = torch.hub.load("facebookresearch/dinov2", "dinov2_vits14")


            def source_latents(path, step):
                return torch.load(os.path.join(path, "latents", f"noisy_latents_{step}.pt"))


            def edit(path, cond, steps):
                frames = torch.load(os.path.join(path, f"frames_{len(steps)}.pt"))
                print(decoder(frames))
                for step in steps:
                    # edge: feature-handoff/sequential inverter->editor
                    unet(source_latents(path, step), step, encoder_hidden_states=cond)


            if __name__ == "__main__":
                edit("out", torch.randn(1, 77, 1024), range(0, 1000, 20))
        """,
    },
    "a script adding a folder to sys.path imports the project's nearest module of that name": {
        "captioning/clip/clip.py": """
            from transformers import CLIPModel


            class CLIP:
                def __init__(self, name):
                    self.model = CLIPModel.from_pretrained(name)  # model: clip

                def text_scores(self, image, texts):
                    return self.model(pixel_values=image, input_ids=texts).logits_per_image
        """,
        "captioning/language_model/simctg.py": """
            from transformers import GPT2LMHeadModel


            class SimCTG:
                def __init__(self, name):
                    self.model = GPT2LMHeadModel.from_pretrained(name)  # model: lm

                def magic_search(self, ids, image, clip):
                    scores = clip.text_scores(image, ids)
                    return self.model.generate(ids, bad_words_ids=scores.argsort())
        """,
        "stories/clip/clip.py": """
            from transformers import CLIPVisionModel


            class CLIP:
                def __init__(self, name):
                    self.model = CLIPVisionModel.from_pretrained("openai/clip-vit-base-patch32")

                def text_scores(self, image, texts):
                    return self.model(pixel_values=image).pooler_output
        """,
        "captioning/run.py": """
            import argparse
            import sys

            parser = argparse.ArgumentParser()
            parser.add_argument("--clip_path")
            parser.add_argument("--language_model_code_path")
            args = parser.parse_args()

            sys.path.append(args.clip_path)
            from clip import CLIP

            clip = CLIP("openai/clip-vit-base-patch32")
            sys.path.append(args.language_model_code_path)
            from simctg import SimCTG

            generation_model = SimCTG("cambridgeltl/magic_mscoco")
            # edge: feature-handoff/sequential clip->lm
            print(generation_model.magic_search([[50256]], None, clip))
        """,
    },
    "a class picked by getattr by a name an if-chain assigns is any of those the chain names": {
        "rag/__init__.py": "",
        "rag/refiners.py": """
            from sentence_transformers import SentenceTransformer
            from transformers import AutoModelForSeq2SeqLM


            class AbstractiveRefiner:
                def __init__(self, path):
                    self.model = AutoModelForSeq2SeqLM.from_pretrained(path)  # model: abstractive

                def refine(self, docs):
                    return self.model.generate(docs)


            class ExtractiveRefiner:
                def __init__(self, path):
                    self.encoder = SentenceTransformer(path)  # model: extractive

                def refine(self, docs):
                    return self.encoder.encode(docs)


            class UnusedRefiner:
                def __init__(self, path):
                    self.model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")  # model: unused
        """,
        "rag/pipeline.py": """
            import importlib

            from transformers import DPRQuestionEncoder


            def get_refiner(name, path):
                module = importlib.import_module("rag.refiners")
                if "recomp" in name:
                    refiner_class = "AbstractiveRefiner"
                else:
                    refiner_class = "ExtractiveRefiner"
                return getattr(module, refiner_class)(path)


            def run(question, name, path):
                retriever = DPRQuestionEncoder.from_pretrained("facebook/dpr")  # model: dpr
                refiner = get_refiner(name, path)
                docs = retriever(question)
                # edge: post-processing dpr->abstractive
                # edge: post-processing dpr->extractive
                return refiner.refine(docs)
        """,
    },
    "docs a dataset is given by a keyed setter are what a refiner it is handed reads by that name": {
        "refiner.py": """
            from transformers import AutoModelForSeq2SeqLM


            class AbstractiveRefiner:
                def __init__(self, path):
                    self.model = AutoModelForSeq2SeqLM.from_pretrained(path)  # model: refiner

                def batch_run(self, dataset):
                    return self.model.generate(dataset.retrieval_result)
        """,
        "pipeline.py": """
            from sentence_transformers import SentenceTransformer
            from transformers import pipeline

            from refiner import AbstractiveRefiner

            retriever = SentenceTransformer("BAAI/bge-base-en-v1.5")  # model: retriever
            translator = pipeline("translation", model="Helsinki-NLP/opus-mt-en-de")  # model: translator


            def run(dataset):
                refiner = AbstractiveRefiner("fangyuan/nq_abstractive_compressor")
                dataset.update_output("retrieval_result", retriever.encode(dataset.question))
                # edge: post-processing retriever->refiner
                dataset.update_output("refine_result", refiner.batch_run(dataset))
                dataset.update_output("question_de", translator(dataset.question))
                return dataset
        """,
    },
    "a project subclass's from_pretrained is the model of the load the file reports for that repo": {
        "retrievers.py": """
            from transformers import BertModel


            class Contriever(BertModel):
                def forward(self, ids):
                    return super().forward(ids).last_hidden_state[:, 0]
        """,
        "model_io.py": """
            import transformers

            from retrievers import Contriever


            def load(opt):
                encoder = Contriever.from_pretrained(opt.retriever_path)
                tokenizer = transformers.AutoTokenizer.from_pretrained(opt.retriever_path)  # model: retriever
                reader = transformers.T5ForConditionalGeneration.from_pretrained(opt.reader)  # model: reader
                return encoder, tokenizer, reader


            def answer(opt, ids, passages):
                encoder, tokenizer, reader = load(opt)
                hits = passages[encoder(ids).argmax()]
                # edge: feature-handoff/sequential retriever->reader
                return reader.generate(hits)
        """,
    },
    "a module with a __main__ block another imports over several lines is no script of its own": {
        "encoders.py": """
            from transformers import AutoModel


            def load_encoder():
                return AutoModel.from_pretrained("bert-base-uncased")  # model: bert


            if __name__ == "__main__":
                print(load_encoder())
        """,
        "app.py": """
            from transformers import AutoModelForSequenceClassification

            from encoders import (
                load_encoder,
            )

            encoder = load_encoder()
            head = AutoModelForSequenceClassification.from_pretrained("roberta-base")  # model: head

            if __name__ == "__main__":
                # edge: feature-handoff/sequential bert->head
                print(head(inputs_embeds=encoder(input_ids=[[1, 2]]).last_hidden_state))
        """,
    },
    "a property of a class is what its method returns, also handed to another module's function": {
        "audio_processing.py": """
            def create_timestamps(*, audio_file, pipeline):
                diarization = pipeline(audio_file)
                turns = diarization.itertracks(yield_label=True)
                return [{"start": turn.start, "end": turn.end} for turn, _, _ in turns]
        """,
        "dubbing.py": """
            import functools

            import whisper
            from pyannote.audio import Pipeline

            import audio_processing


            class Dubber:
                def __init__(self, token):
                    self.token = token
                    self.whisper = whisper.load_model("large-v3")  # model: whisper

                @functools.cached_property
                def diarization(self):
                    repo = "pyannote/speaker-diarization-3.1"
                    return Pipeline.from_pretrained(repo, use_auth_token=self.token)  # model: pyannote

                def run(self, path, audio):
                    turns = audio_processing.create_timestamps(audio_file=path, pipeline=self.diarization)
                    # edge: feature-handoff/sequential pyannote->whisper
                    return [self.whisper.transcribe(audio[t["start"] : t["end"]])["text"] for t in turns]
        """,
    },
    "a parameter no call gives anything is what its annotation's class and those deriving from it hold": {
        "icl/__init__.py": "",
        "icl/inferencer/__init__.py": "",
        "icl/retriever/__init__.py": "from .base import BaseRetriever\nfrom .topk import TopkRetriever\n",
        "icl/utils.py": """
            def join_examples(train, ids):
                return " ".join(train[i] for i in ids)
        """,
        "icl/retriever/base.py": """
            class BaseRetriever:
                def __init__(self, dataset):
                    self.dataset = dataset

                def retrieve(self):
                    return [[] for _ in self.dataset.test]
        """,
        "icl/retriever/topk.py": """
            from sentence_transformers import SentenceTransformer

            from .base import BaseRetriever


            class TopkRetriever(BaseRetriever):
                def __init__(self, dataset, model_name="all-mpnet-base-v2"):
                    super().__init__(dataset)
                    self.model = SentenceTransformer(model_name)  # model: topk

                def retrieve(self):
                    test = self.model.encode(self.dataset.test)
                    train = self.model.encode(self.dataset.train)
                    return (test @ train.T).argsort(-1)[:, -4:].tolist()
        """,
        "icl/inferencer/gen.py": """
            from transformers import AutoModelForCausalLM

            from icl.retriever import *
            from icl.utils import *


            class GenInferencer:
                def __init__(self, model_name="gpt2"):
                    self.model = AutoModelForCausalLM.from_pretrained(model_name)  # model: lm

                def inference(self, retriever: BaseRetriever, tokenizer):
                    ice_idx_list = retriever.retrieve()
                    prompts = [join_examples(retriever.dataset.train, ids) for ids in ice_idx_list]
                    # edge: feature-handoff/sequential topk->lm
                    return self.model.generate(**tokenizer(prompts, return_tensors="pt"))
        """,
    },
    "a class named to getattr of a module importlib imports by a constant is that class": {
        "rag/__init__.py": "",
        "rag/retriever/__init__.py": "from rag.retriever.retriever import *\n",
        "rag/retriever/retriever.py": """
            from sentence_transformers import SentenceTransformer


            class DenseRetriever:
                def __init__(self, config):
                    self.encoder = SentenceTransformer(config["retrieval_model_path"])  # model: dense
                    self.corpus = config["corpus"]

                def search(self, query):
                    scores = self.encoder.encode([query]) @ self.encoder.encode(self.corpus).T
                    return [self.corpus[i] for i in scores[0].argsort()[::-1][:5]]
        """,
        "rag/pipeline.py": """
            import importlib

            from transformers import pipeline


            def get_retriever(config):
                return getattr(importlib.import_module("rag.retriever"), "DenseRetriever")(config)


            class SequentialPipeline:
                def __init__(self, config):
                    self.retriever = get_retriever(config)
                    generator = config["generator_model_path"]
                    self.generator = pipeline("text-generation", model=generator)  # model: llm

                def run(self, question):
                    docs = self.retriever.search(question)
                    prompt = " ".join(docs) + " Question: " + question
                    # edge: feature-handoff/sequential dense->llm
                    return self.generator(prompt)[0]["generated_text"]
        """,
    },
    "a pipeline handed to a function a package star-exports runs its parts there": {
        "lora_diffusion/__init__.py": "from .utils import *\n",
        "lora_diffusion/utils.py": """
            from transformers import CLIPProcessor, CLIPVisionModelWithProjection


            def prepare_clip_model_sets(eval_clip_id="openai/clip-vit-large-patch14"):
                vis_model = CLIPVisionModelWithProjection.from_pretrained(eval_clip_id)  # model: clip
                processor = CLIPProcessor.from_pretrained(eval_clip_id)
                return vis_model, processor


            def evaluate_pipe(pipe, prompts, clip_model_sets):
                vis_model, processor = clip_model_sets
                embeds = []
                for prompt in prompts:
                    # edge: feature-handoff/sequential te->unet
                    # edge: feature-handoff/sequential unet->vae
                    image = pipe(prompt, num_inference_steps=50).images[0]
                    inputs = processor(images=image, return_tensors="pt")
                    embeds.append(vis_model(**inputs).image_embeds)  # edge: evaluation vae->clip
                return embeds
        """,
        "train.py": """
            from diffusers import AutoencoderKL, StableDiffusionPipeline, UNet2DConditionModel
            from transformers import CLIPTextModel

            from lora_diffusion import evaluate_pipe, prepare_clip_model_sets

            base = "runwayml/stable-diffusion-v1-5"
            text_encoder = CLIPTextModel.from_pretrained(base, subfolder="text_encoder")  # model: te
            vae = AutoencoderKL.from_pretrained(base, subfolder="vae")  # model: vae
            unet = UNet2DConditionModel.from_pretrained(base, subfolder="unet")  # model: unet
            clip_sets = prepare_clip_model_sets()
            pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, unet=unet, tokenizer=None)
            print(evaluate_pipe(pipe, ["a photo of sks dog"], clip_sets))
        """,
    },
    "a class shared by two scripts does not hand one script's model to the other's": {
        **_DETECTION_MODULES,
        "detect.py": """
            from transformers import AutoModelForCausalLM

            from editors import Truncate
            from pipeline import DetectionPipeline


            def main():
                generator = AutoModelForCausalLM.from_pretrained("facebook/opt-1.3b")  # model: opt
                pipe = DetectionPipeline([Truncate()])
                print(pipe.evaluate(generator, "hello"))


            if __name__ == "__main__":
                main()
        """,
        "robust.py": """
            from transformers import AutoModelForCausalLM, T5ForConditionalGeneration

            from editors import Paraphrase
            from pipeline import DetectionPipeline

            if __name__ == "__main__":
                generator = AutoModelForCausalLM.from_pretrained("facebook/opt-2.7b")  # model: opt2
                paraphraser = "kalpeshk2011/dipper-paraphraser-xxl"
                dipper = Paraphrase(T5ForConditionalGeneration.from_pretrained(paraphraser))  # model: dipper
                pipe = DetectionPipeline([dipper])
                print(pipe.evaluate(generator, "hello"))  # edge: feature-handoff/sequential opt2->dipper
        """,
    },
    "a class shared by two functions that keep their models does not mix them": {
        **_DETECTION_MODULES,
        "test_pipeline.py": """
            from transformers import AutoModelForCausalLM, T5ForConditionalGeneration

            from editors import Paraphrase, Truncate
            from pipeline import DetectionPipeline


            def test_detection():
                generator = AutoModelForCausalLM.from_pretrained("facebook/opt-1.3b")  # model: opt
                pipe = DetectionPipeline([Truncate()])
                assert pipe.evaluate(generator, "hello")


            def test_robustness():
                generator = AutoModelForCausalLM.from_pretrained("facebook/opt-2.7b")  # model: opt2
                paraphraser = "kalpeshk2011/dipper-paraphraser-xxl"
                dipper = Paraphrase(T5ForConditionalGeneration.from_pretrained(paraphraser))  # model: dipper
                pipe = DetectionPipeline([dipper])
                assert pipe.evaluate(generator, "hello")  # edge: feature-handoff/sequential opt2->dipper
        """,
    },
    "a module imported under one name in each branch is each of them, and its fields are read apart": {
        "gen/__init__.py": "",
        "gen/sd.py": """
            from diffusers import StableDiffusionPipeline
            from easydict import EasyDict

            pipe = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd


            def run(prompt):
                images = pipe(prompt).images
                return EasyDict(image=images[0])
        """,
        "gen/boxes.py": """
            import torch
            from diffusers import AutoencoderKL, UNet2DConditionModel
            from easydict import EasyDict

            key = "runwayml/stable-diffusion-v1-5"
            unet = UNet2DConditionModel.from_pretrained(key, subfolder="unet")  # model: unet
            vae = AutoencoderKL.from_pretrained(key, subfolder="vae")  # model: vae


            def denoise(states):
                latents = unet(torch.randn(1, 4, 64, 64), 1, encoder_hidden_states=states).sample
                images = vae.decode(latents).sample  # edge: feature-handoff/sequential unet->vae
                ret = [latents, images]
                return tuple(ret)


            def run(prompt):
                latents, images = denoise(prompt)
                return EasyDict(image=images[0], latents=latents)
        """,
        "refine.py": """
            from diffusers import StableDiffusionXLImg2ImgPipeline

            pipe = None


            def init():
                global pipe
                refiner = "stabilityai/stable-diffusion-xl-refiner-1.0"
                pipe = StableDiffusionXLImg2ImgPipeline.from_pretrained(refiner)  # model: refiner


            def refine(image, prompt):
                return pipe(prompt, image=image).images[0]
        """,
        "generate.py": """
            import argparse

            import refine

            parser = argparse.ArgumentParser()
            parser.add_argument("--run-model", default="sd")
            parser.add_argument("--prompt")
            args = parser.parse_args()
            if args.run_model == "sd":
                import gen.sd as generation
            elif args.run_model == "boxes":
                import gen.boxes as generation
            else:
                raise ValueError(args.run_model)
            run = generation.run

            refine.init()
            output = run(args.prompt)
            output = output.image
            # edge: post-processing sd->refiner
            # edge: post-processing vae->refiner
            output = refine.refine(image=output, prompt=args.prompt)
            output.save("out.png")
        """,
    },
    "a project class's from_pretrained returning another classmethod's instance is that class": {
        "tts/__init__.py": "",
        "tts/model.py": """
            import torch
            from huggingface_hub import hf_hub_download
            from transformers import WavLMForXVector


            class TTS(torch.nn.Module):
                def __init__(self, config):
                    super().__init__()
                    self.config = config
                    self.speaker_model = None

                @classmethod
                def from_pretrained(cls, repo_id, device="cuda"):
                    path = hf_hub_download(repo_id=repo_id, filename="model.safetensors")
                    return cls.from_local(path, device)

                @classmethod
                def from_local(cls, path, device):
                    model = cls({"path": path}).to(device)
                    model.eval()
                    return model

                def make_speaker_embedding(self, wav):
                    if self.speaker_model is None:
                        # model: spk
                        self.speaker_model = WavLMForXVector.from_pretrained("microsoft/wavlm-base-sv")
                    return self.speaker_model(wav).embeddings

                def generate(self, speaker):
                    return self.forward(speaker)
        """,
        "sample.py": """
            import torchaudio

            from tts.model import TTS

            model = TTS.from_pretrained("Zyphra/Zonos-v0.1-transformer")  # model: tts
            wav, sampling_rate = torchaudio.load("assets/example.mp3")
            speaker = model.make_speaker_embedding(wav)
            codes = model.generate(speaker)  # edge: feature-handoff/sequential spk->tts
        """,
    },
    "a conversion helper two scripts call many times converts, at each call, what that call gives it": {
        "video/__init__.py": "",
        "video/convert.py": """
            import numpy as np
            import torch


            def tensor2vid(video, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)):
                mean = torch.tensor(mean, device=video.device).reshape(1, -1, 1, 1, 1)
                std = torch.tensor(std, device=video.device).reshape(1, -1, 1, 1, 1)
                video = video.mul_(std).add_(mean)
                video.clamp_(0, 1)
                i, c, f, h, w = video.shape
                images = video.permute(2, 3, 0, 4, 1).reshape(f, h, i * w, c)
                images = images.unbind(dim=0)
                images = [(image.cpu().numpy() * 255).astype("uint8") for image in images]
                if len(images) > 1 and images[0].shape != images[-1].shape:
                    images = [np.ascontiguousarray(image[: h // 2, : w // 2]) for image in images]
                return [np.clip(image, 0, 255) for image in images if image.size]
        """,
        "batch.py": """
            from diffusers import DiffusionPipeline

            from video.convert import tensor2vid

            base = DiffusionPipeline.from_pretrained("showlab/show-1-base")  # model: base
            interp = DiffusionPipeline.from_pretrained("showlab/show-1-interpolation")  # model: interp

            frames = base("a cat", output_type="pt").frames
            clips = [tensor2vid(frames[i:]) for i in range(3)] + [tensor2vid(frames), tensor2vid(frames[:1])]
            # edge: feature-handoff/sequential base->interp
            more = tensor2vid(interp(image=frames, output_type="pt").frames)
        """,
        "app.py": """
            from diffusers import DiffusionPipeline, VideoToVideoSDPipeline

            from video.convert import tensor2vid

            sr1 = DiffusionPipeline.from_pretrained("showlab/show-1-sr1")  # model: sr1
            sr2 = VideoToVideoSDPipeline.from_pretrained("showlab/show-1-sr2")  # model: sr2


            def upscale(frames, prompt):
                frames = sr1(image=frames, output_type="pt").frames
                # edge: feature-handoff/sequential sr1->sr2
                return sr2(prompt, video=tensor2vid(frames)).frames
        """,
    },
    "classmethods of imported classes building each model from the checkpoint they download": {
        "tts/__init__.py": "",
        "tts/t2s.py": """
            import torch
            from huggingface_hub import hf_hub_download

            class TextToSemantic(torch.nn.Module):
                @classmethod
                def load_model(cls, ref="collabora/whisperspeech:t2s-small-en+pl.model"):
                    repo_id, filename = ref.split(":", 1)
                    local_filename = hf_hub_download(repo_id=repo_id, filename=filename)  # model: t2s
                    spec = torch.load(local_filename)
                    model = cls(**spec["config"])
                    model.load_state_dict(spec["state_dict"])
                    return model
        """,
        "tts/s2a.py": """
            import torch
            from huggingface_hub import hf_hub_download

            class SemanticToAcoustic(torch.nn.Module):
                @classmethod
                def load_model(cls, spec=None):
                    if spec is None:
                        # model: s2a
                        spec = torch.load(hf_hub_download("collabora/whisperspeech", "s2a-tiny.model"))
                    model = cls(**spec["config"])
                    model.load_state_dict(spec["state_dict"])
                    return model

            class ConditionalS2A(SemanticToAcoustic):
                pass
        """,
        "tts/pipeline.py": """
            import torch
            from huggingface_hub import hf_hub_download
            from vocos import Vocos

            from tts.s2a import ConditionalS2A, SemanticToAcoustic
            from tts.t2s import TextToSemantic

            class Pipeline:
                def __init__(self, s2a_ref=None):
                    self.t2s = TextToSemantic.load_model()
                    spec = None
                    if s2a_ref:
                        # model: s2a_ref
                        spec = torch.load(hf_hub_download("collabora/whisperspeech", s2a_ref))
                        s2a_class = ConditionalS2A
                    else:
                        s2a_class = SemanticToAcoustic
                    self.s2a = s2a_class.load_model(spec=spec)
                    self.vocoder = Vocos.from_pretrained("charactr/vocos-encodec-24khz")  # model: vocos

                def generate(self, text):
                    stoks = self.t2s.generate(text)
                    # edge: feature-handoff/sequential t2s->s2a, edge: feature-handoff/sequential t2s->s2a_ref
                    atoks = self.s2a.generate(stoks)
                    # edge: feature-handoff/sequential s2a->vocos
                    # edge: feature-handoff/sequential s2a_ref->vocos
                    return self.vocoder.decode(atoks)
        """,
    },
    "a module's placeholder the main script sets, read by modules it imports afterwards": {
        "models/__init__.py": "from .models import *\n",
        "models/models.py": """
            from diffusers import AutoencoderKL, UNet2DConditionModel

            model_dict = None

            def load_sd(key):
                vae = AutoencoderKL.from_pretrained(key, subfolder="vae")  # model: vae
                unet = UNet2DConditionModel.from_pretrained(key, subfolder="unet")  # model: unet
                return {"vae": vae, "unet": unet}
        """,
        "models/pipelines.py": """
            def generate(model_dict, latents):
                unet = model_dict["unet"]
                latents = unet(latents).sample
                return latents
        """,
        "generation/__init__.py": "",
        "generation/run.py": """
            from models import pipelines, model_dict

            def run(latents):
                latents = pipelines.generate(model_dict, latents)
                return model_dict["vae"].decode(latents).sample  # edge: feature-handoff/sequential unet->vae
        """,
        "generate.py": """
            import models

            models.model_dict = models.load_sd("runwayml/stable-diffusion-v1-5")

            import generation.run

            generation.run.run(None)
        """,
    },
    "a module's function called through the module is followed with what that call passes": {
        "models/__init__.py": "",
        "models/pipelines.py": """
            def decode(vae, unet, latents):
                latents = unet(latents).sample
                return vae.decode(latents).sample  # edge: feature-handoff/sequential unet->vae
        """,
        "run.py": """
            from diffusers import AutoencoderKL, UNet2DConditionModel

            from models import pipelines

            KEY = "runwayml/stable-diffusion-v1-5"
            vae = AutoencoderKL.from_pretrained(KEY, subfolder="vae")  # model: vae
            unet = UNet2DConditionModel.from_pretrained(KEY, subfolder="unet")  # model: unet

            images = pipelines.decode(vae, unet, None)
        """,
    },
    "a module's model and loader imported by name": {
        "app/__init__.py": "",
        "app/models.py": """
            from transformers import AutoModel, pipeline

            encoder = AutoModel.from_pretrained("bert-base-uncased")  # model: bert

            def load_generator():
                return pipeline("text-generation", model="gpt2")  # model: gpt2
        """,
        "app/serve.py": """
            from .models import encoder, load_generator

            generator = load_generator()

            def reply(ids):
                hidden = encoder(input_ids=ids).last_hidden_state
                return generator(hidden.mean(1))  # edge: feature-handoff/sequential bert->gpt2
        """,
    },
    "models re-exported through package __init__ files, renamed": {
        "app/__init__.py": "from .models import make_text_encoder, vision\n",
        "app/models/__init__.py": """
            from .text import build_text_encoder as make_text_encoder
            from .vision import vision
        """,
        "app/models/text.py": """
            from transformers import CLIPTextModel

            def build_text_encoder():
                return CLIPTextModel.from_pretrained("openai/clip-vit-large-patch14")  # model: clip
        """,
        "app/models/vision.py": """
            from transformers import AutoModel

            vision = AutoModel.from_pretrained("facebook/dinov2-small")  # model: dino
        """,
        "app/main.py": """
            from diffusers import StableDiffusionPipeline

            from app import make_text_encoder, vision

            pipe = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd
            encoder = make_text_encoder()

            def run(ids):
                # edge: feature-handoff/sequential clip->sd
                images = pipe(prompt_embeds=encoder(ids).last_hidden_state).images
                return vision(images)  # edge: feature-handoff/sequential sd->dino
        """,
    },
    "a helper module that loads nothing hands on the model it imports": {
        "app/__init__.py": "",
        "app/models.py": """
            from transformers import CLIPTextModel

            encoder = CLIPTextModel.from_pretrained("openai/clip-vit-large-patch14")  # model: clip
        """,
        "app/helpers.py": """
            from app.models import encoder

            def embed(ids):
                return encoder(ids).last_hidden_state
        """,
        "app/main.py": """
            from diffusers import StableDiffusionPipeline

            from app.helpers import embed

            negative = embed([0])
            pipe = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd

            def run(ids):
                # edge: feature-handoff/sequential clip->sd
                return pipe(prompt_embeds=embed(ids), negative_prompt_embeds=negative).images
        """,
    },
    "a helper imported from another module gives each caller what that caller's models compute": {
        "qa/__init__.py": "",
        "qa/mqag.py": """
            from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

            def generate_question(g1_model, g1_tokenizer, context):
                ids = g1_tokenizer(context, return_tensors="pt").input_ids
                return g1_tokenizer.decode(g1_model.generate(ids)[0])

            class MQAG:
                def __init__(self):
                    self.tokenizer = AutoTokenizer.from_pretrained("potsawee/t5-large-generation-race")
                    self.g1 = AutoModelForSeq2SeqLM.from_pretrained("potsawee/t5-large-generation-race")

                def questions(self, context):
                    return [generate_question(self.g1, self.tokenizer, context) for _ in range(3)]
        """,
        "qa/selfcheck.py": """
            from transformers import AutoModelForSeq2SeqLM, AutoModelForSequenceClassification, AutoTokenizer

            from qa.mqag import generate_question

            class SelfCheck:
                def __init__(self, g1_name, u_name):
                    self.tokenizer = AutoTokenizer.from_pretrained(g1_name)
                    self.g1 = AutoModelForSeq2SeqLM.from_pretrained(g1_name)  # model: g1
                    self.u = AutoModelForSequenceClassification.from_pretrained(u_name)  # model: u

                def answerable(self, passage):
                    question = generate_question(self.g1, self.tokenizer, passage)
                    return self.u(question).logits.sigmoid()  # edge: feature-handoff/sequential g1->u
        """,
    },
    "weights read from a downloaded file, under another name, into a module a loader builds": {
        "app/__init__.py": "",
        "app/util.py": """
            from pathlib import Path

            from huggingface_hub import hf_hub_download
            from safetensors.torch import load_file as load_sft

            from app.autoencoder import AutoEncoder

            CHECKPOINTS = Path("checkpoints")

            def get_checkpoint_path(repo_id, filename):
                local_path = CHECKPOINTS / filename
                if not local_path.exists():
                    hf_hub_download(repo_id=repo_id, filename=filename, local_dir=CHECKPOINTS)  # model: ae
                return local_path

            def load_ae():
                ckpt_path = str(get_checkpoint_path("black-forest-labs/FLUX.1-dev", "ae.safetensors"))
                ae = AutoEncoder()
                missing, unexpected = ae.load_state_dict(load_sft(ckpt_path), strict=False)
                return ae
        """,
        "app/autoencoder.py": """
            import torch

            class AutoEncoder(torch.nn.Module):
                def forward(self, z):
                    return z * 2
        """,
        "app/cli.py": """
            from transformers import pipeline

            from app.util import load_ae

            # model: nsfw
            nsfw_classifier = pipeline("image-classification", model="Falconsai/nsfw_image_detection")
            ae = load_ae()

            def save(latents):
                image = ae(latents)
                if nsfw_classifier(image)[0]["score"] < 0.85:  # edge: post-processing ae->nsfw
                    image.save("out.png")
        """,
    },
    "files downloaded into a literal folder, built by loaders and run through helpers they are handed to": {
        "demo/__init__.py": "",
        "demo/utils.py": """
            import torch
            from spandrel import ModelLoader

            def load_torch_file(ckpt):
                return torch.load(ckpt, map_location="cpu", weights_only=True)

            def load_upscaler(ckpt):
                sd = load_torch_file(ckpt)
                return ModelLoader().load_from_state_dict(sd).half()

            def tiled(samples, function):
                return torch.cat([function(tile) for tile in samples.split(64)])

            def scaled(samples, function):
                return tiled(samples, function)

            def upscale_batch(model, frames):
                return scaled(frames, function=lambda a: model(a))
        """,
        "demo/interpolation.py": """
            from demo.rife import Model

            def load_rife_model(path):
                model = Model()
                model.load_model(path, -1)
                return model.eval()

            def interpolate(model, frames):
                return [model.inference(a, b) for a, b in zip(frames, frames[1:])]
        """,
        "demo/app.py": """
            from diffusers import DiffusionPipeline
            from huggingface_hub import hf_hub_download, snapshot_download

            from demo import utils
            from demo.interpolation import interpolate, load_rife_model

            # model: esrgan
            hf_hub_download(repo_id="ai-forever/Real-ESRGAN", filename="x4.pth", local_dir="weights")
            snapshot_download(repo_id="AlexWortega/RIFE", local_dir="./rife")  # model: rife
            hf_hub_download(repo_id="org/unused", filename="other.pth", local_dir="weights")  # model: unused
            pipe = DiffusionPipeline.from_pretrained("THUDM/CogVideoX-5b")  # model: video

            upscaler = utils.load_upscaler("weights/x4.pth")
            frame_model = load_rife_model("rife")

            def generate(prompt, scale, smooth):
                frames = pipe(prompt, output_type="pt").frames
                if scale:
                    frames = utils.upscale_batch(upscaler, frames)  # edge: post-processing video->esrgan
                # edge: post-processing video->rife, edge: post-processing esrgan->rife
                return interpolate(frame_model, frames)
        """,
    },
    "a registry of search functions a package re-exports, mapped over a dataset with the models": {
        "src/sal/__init__.py": "",
        "src/sal/models/__init__.py": "",
        "src/sal/models/reward.py": """
            from transformers import AutoModelForCausalLM

            class PRM:
                def __init__(self, config):
                    self.model = self.load_model()

                def score(self, problems, completions):
                    return self.model(problems, completions).logits

            class Shepherd(PRM):
                def load_model(self):
                    return AutoModelForCausalLM.from_pretrained("peiyi9979/math-shepherd")  # model: shepherd

            class Flow(PRM):
                def load_model(self):
                    return AutoModelForCausalLM.from_pretrained("RLHFlow/Llama3.1-8B-PRM")  # model: flow

            def load_prm(config):
                if config.prm == "shepherd":
                    return Shepherd(config)
                return Flow(config)
        """,
        "src/sal/search/__init__.py": "from .best_of_n import best_of_n\nfrom .greedy import greedy\n",
        "src/sal/search/best_of_n.py": """
            import numpy as np

            def best_of_n(x, config, llm, prm):
                completions = llm.generate(x["problem"], n=config.n)
                # edge: post-processing llm->shepherd, edge: post-processing llm->flow
                scores = prm.score(x["problem"], completions)
                x["pred"] = [c[np.argmax(s)] for c, s in zip(completions, scores)]
                return x
        """,
        "src/sal/search/greedy.py": """
            def greedy(x, config, llm, prm):
                x["pred"] = llm.generate(x["problem"], n=1)
                return x
        """,
        "scripts/run.py": """
            from vllm import LLM

            from sal.models.reward import load_prm
            from sal.search import best_of_n, greedy

            APPROACHES = {"best_of_n": best_of_n, "greedy": greedy}

            def main(config, dataset):
                approach_fn = APPROACHES[config.approach]
                llm = LLM(model="Qwen/Qwen2.5-1.5B-Instruct")  # model: llm
                prm = load_prm(config)
                return dataset.map(
                    approach_fn, batched=True, fn_kwargs={"config": config, "llm": llm, "prm": prm}
                )
        """,
    },
    "what a helper class of another module keeps on itself, read off its instance; models built from files": {
        "facelib/__init__.py": "",
        "facelib/helper.py": """
            import dlib
            from basicsr.utils.download_util import load_file_from_url

            class FaceRestoreHelper:
                def __init__(self):
                    self.cropped_faces = []
                    self.landmarks = []
                    self.face_detector, self.shape_predictor = self.init_dlib()

                def init_dlib(self):
                    detection_path = load_file_from_url(url="https://x.org/mmod.dat")  # model: det
                    landmark_path = load_file_from_url(url="https://x.org/shape_5.dat")  # model: dlib5
                    detector = dlib.cnn_face_detection_model_v1(detection_path)
                    return detector, dlib.shape_predictor(landmark_path)

                def get_landmarks_dlib(self, image):
                    for face in self.face_detector(image, 1):
                        # edge: feature-handoff/sequential det->dlib5
                        self.landmarks.append(self.shape_predictor(image, face.rect))

                def align_warp_face(self, image):
                    for landmark in self.landmarks:
                        self.cropped_faces.append(warp(image, landmark))
        """,
        "restore.py": """
            from basicsr.utils.download_util import load_file_from_url

            from facelib.helper import FaceRestoreHelper

            def restore(image):
                helper = FaceRestoreHelper()
                helper.get_landmarks_dlib(image)
                helper.align_warp_face(image)
                # edge: feature-handoff/sequential dlib5->swapper
                return [net(face) for face in helper.cropped_faces]

            path = load_file_from_url(url="https://x.org/inswapper.pth")  # model: swapper
            net = Swapper.load(path)
        """,
    },
    "only the arguments an imported helper gives its models: latents beside a prompt reach no text encoder": {
        "flux/__init__.py": "",
        "flux/sampling.py": """
            def prepare(t5, clip, img, prompt):
                ids = img.shape[0]
                return {"img": img, "ids": ids, "txt": t5(prompt), "vec": clip(prompt)}
        """,
        "flux/cli.py": """
            from diffusers import AutoencoderKL
            from transformers import CLIPTextModel, T5EncoderModel

            from flux.sampling import prepare

            t5 = T5EncoderModel.from_pretrained("google/t5-v1_1-xxl")
            clip = CLIPTextModel.from_pretrained("openai/clip-vit-large-patch14")
            vae = AutoencoderKL.from_pretrained("black-forest-labs/FLUX.1-dev", subfolder="vae")

            def encode(image, prompt):
                latents = vae.encode(image).latent_dist.sample()
                return prepare(t5, clip, latents, prompt)
        """,
    },
    "a helper from one of two modules a script star-imports scores the images it is given": {
        "io_utils.py": """
            def save(image, path):
                image.save(path)
        """,
        "optim_utils.py": """
            import torch

            def measure_similarity(images, prompt, model, preprocess, tokenizer):
                with torch.no_grad():
                    image_features = model.encode_image(torch.stack([preprocess(i) for i in images]))
                    return image_features @ model.encode_text(tokenizer([prompt])).T
        """,
        "run.py": """
            import open_clip
            from diffusers import StableDiffusionPipeline

            from io_utils import *
            from optim_utils import *

            pipe = StableDiffusionPipeline.from_pretrained("stabilityai/sd-2-1-base")  # model: sd
            # model: clip
            clip, _, preprocess = open_clip.create_model_and_transforms("ViT-g-14", pretrained="laion2b")
            tokenizer = open_clip.get_tokenizer("ViT-g-14")

            def run(prompts):
                for prompt in prompts:
                    image = pipe(prompt).images[0]
                    # edge: evaluation sd->clip
                    score = measure_similarity([image], prompt, clip, preprocess, tokenizer)
                    print(f"clip score {score.mean().item()}")
                    save(image, f"{prompt}.png")
        """,
    },
    "weights a helper downloads, loaded into a project module through a star re-export": {
        "scoring/__init__.py": "from .utils import *\n",
        "scoring/utils.py": """
            import os

            import torch
            from huggingface_hub import hf_hub_download

            from .model import Scorer

            def download(filename, root):
                hf_hub_download("THUDM/ImageReward", filename, local_dir=root)  # model: reward
                return os.path.join(root, filename)

            def load(name="ImageReward.pt", root="~/.cache/reward"):
                state_dict = torch.load(download(name, root), map_location="cpu")
                model = Scorer()
                model.load_state_dict(state_dict, strict=False)
                return model.eval()
        """,
        "scoring/model.py": """
            import torch

            class Scorer(torch.nn.Module):
                def forward(self, image):
                    return image.mean()
        """,
        "generate.py": """
            from diffusers import StableDiffusionPipeline

            import scoring

            pipe = StableDiffusionPipeline.from_pretrained("stabilityai/sd-turbo")  # model: sd
            scorer = scoring.load()

            def best_of(prompt, n):
                images = pipe(prompt, num_images_per_prompt=n).images
                scores = scorer(images)  # edge: post-processing sd->reward
                return images[int(scores.argmax())]
        """,
    },
    "a tiny VAE set on an object of an imported class decodes its pipeline's latents": {
        "streaming/__init__.py": "",
        "streaming/stream.py": """
            class Stream:
                def __init__(self, pipe):
                    self.pipe = pipe
                    self.unet, self.vae = pipe.unet, pipe.vae

                def step(self, latents, embeds):
                    return self.vae.decode(self.unet(latents, 1, embeds).sample).sample
        """,
        "streaming/app.py": """
            import torch
            from diffusers import AutoencoderTiny, StableDiffusionPipeline
            from diffusers.pipelines.stable_diffusion.safety_checker import (
                StableDiffusionSafetyChecker as SafetyChecker,
            )

            from streaming.stream import Stream

            CHECKER = "CompVis/stable-diffusion-safety-checker"

            class Wrapper:
                def __init__(self, tiny, fast):
                    self.stream = self._load(tiny, fast)
                    self.checker = SafetyChecker.from_pretrained(CHECKER)  # model: checker

                def _load(self, tiny, fast):
                    pipe = StableDiffusionPipeline.from_pretrained("stabilityai/sd-turbo")  # model: sd
                    stream = Stream(pipe)
                    if fast:
                        # edge: feature-handoff/hierarchical tiny->sd
                        # edge: feature-handoff/sequential sd->tiny
                        stream.vae = AutoencoderTiny.from_pretrained(tiny)  # model: tiny
                    else:
                        # edge: feature-handoff/hierarchical taesd->sd
                        # edge: feature-handoff/sequential sd->taesd
                        stream.vae = AutoencoderTiny.from_pretrained("madebyollin/taesd")  # model: taesd
                    stream.unet = torch.compile(stream.unet)
                    return stream

                def frame(self, latents, embeds, clip_input):
                    image = self.stream.step(latents, embeds)
                    # edge: post-processing sd->checker, edge: post-processing tiny->checker
                    # edge: post-processing taesd->checker
                    _, flagged = self.checker(images=image, clip_input=clip_input)
                    return None if flagged[0] else image
        """,
    },
    "generated images saved into a folder handed to an FID module whose Inception is a module list": {
        "generate_fid.py": """
            from diffusers import StableDiffusionPipeline

            from fid.score import fid_of_folders

            pipe = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd

            def main(prompts, run_name, reference_dir):
                out_dir = f"fid_outputs/{run_name}"
                for i, prompt in enumerate(prompts):
                    pipe(prompt).images[0].save(f"{out_dir}/{i}.png")
                # edge: evaluation sd->inception stage=evaluation
                print(fid_of_folders([reference_dir, out_dir]))
        """,
        "fid/__init__.py": "",
        "fid/inception.py": """
            import torch.nn as nn
            import torchvision

            def _inception():
                return torchvision.models.inception_v3(weights="DEFAULT")  # model: inception

            class FIDInception(nn.Module):
                def __init__(self):
                    super().__init__()
                    net = _inception()
                    self.blocks = nn.ModuleList()
                    self.blocks.append(nn.Sequential(net.Conv2d_1a_3x3, net.Conv2d_2a_3x3))

                def forward(self, x):
                    for block in self.blocks:
                        x = block(x)
                    return x
        """,
        "fid/score.py": """
            import pathlib

            import torch
            from PIL import Image

            try:
                from inception import FIDInception
            except ImportError:
                from fid.inception import FIDInception

            def activations(folder, model):
                files = sorted(pathlib.Path(folder).glob("*.png"))
                loader = torch.utils.data.DataLoader([Image.open(f) for f in files], batch_size=8)
                return torch.cat([model(batch) for batch in loader])

            def fid_of_folders(folders):
                model = FIDInception().eval()
                real, fake = (activations(folder, model) for folder in folders)
                return ((real.mean(0) - fake.mean(0)) ** 2).sum()
        """,
    },
    "one script's generations written to a data file, another script's reward model scoring them": {
        "generate.py": """
            import argparse
            import json
            import os

            from transformers import pipeline

            def main():
                parser = argparse.ArgumentParser()
                parser.add_argument("--out_dir")
                args = parser.parse_args()
                prompts = json.load(open("prompts.json"))
                generator = pipeline("text-generation", model="gpt2")  # model: gpt2
                rows = [{"prompt": p, "response": generator(p)[0]["generated_text"]} for p in prompts]
                with open(os.path.join(args.out_dir, "generations.jsonl"), "w") as f:
                    for row in rows:
                        f.write(json.dumps(row) + "\\n")
        """,
        "score.py": """
            import json
            import sys

            from transformers import pipeline

            rm = pipeline("text-classification", model="OpenAssistant/reward-model-deberta-v3")  # model: rm

            def main(folder):
                rows = [json.loads(line) for line in open(f"{folder}/generations.jsonl")]
                prompts = json.load(open("prompts.json"))
                print(rm(prompts))
                # edge: evaluation gpt2->rm
                print(sum(r["score"] for r in rm([row["prompt"] + row["response"] for row in rows])))

            main(sys.argv[1])
        """,
    },
    "a paraphraser rewriting the generations another script saved with the project's jsonl helpers": {
        "utils/__init__.py": "",
        "utils/io.py": """
            import json

            def write_jsonlines(rows, path):
                with open(path, "w") as f:
                    f.writelines(json.dumps(row) + "\\n" for row in rows)

            def read_jsonlines(path):
                with open(path) as f:
                    return [json.loads(line) for line in f]
        """,
        "generation_pipeline.py": """
            from transformers import AutoModelForCausalLM

            from utils.io import write_jsonlines

            model = AutoModelForCausalLM.from_pretrained("facebook/opt-1.3b")  # model: opt

            def main(args, batches):
                rows = [{"output": model.generate(**batch)} for batch in batches]
                write_jsonlines(rows, f"{args.output_dir}/gen_table.jsonl")
        """,
        "attack_pipeline.py": """
            from transformers import T5ForConditionalGeneration

            from utils.io import read_jsonlines

            # model: dipper
            dipper = T5ForConditionalGeneration.from_pretrained("kalpeshk2011/dipper-paraphraser-xxl")

            def main(args):
                table = read_jsonlines(f"{args.input_dir}/gen_table.jsonl")
                # edge: feature-handoff/sequential opt->dipper
                return [dipper.generate(row["output"]) for row in table]
        """,
    },
    "two projects of one repository reusing a data file's name hand nothing to each other": {
        "requirements.txt": "transformers\n",
        "reliability/requirements.txt": "transformers\ndatasets\n",
        "experiments/run_watermarking.py": """
            import json

            from transformers import AutoModelForCausalLM

            model = AutoModelForCausalLM.from_pretrained("facebook/opt-1.3b")  # model: opt

            def main(output_dir, batches):
                with open(f"{output_dir}/gen_table.jsonl", "w") as f:
                    for batch in batches:
                        f.write(json.dumps({"output": model.generate(**batch).tolist()}) + "\\n")
        """,
        "reliability/evaluation_pipeline.py": """
            import json

            from transformers import AutoModelForCausalLM

            oracle = AutoModelForCausalLM.from_pretrained("facebook/opt-2.7b")  # model: oracle

            def main(input_dir):
                with open(f"{input_dir}/gen_table.jsonl") as f:
                    rows = [json.loads(line) for line in f]
                return [oracle(row["output"]).loss for row in rows]
        """,
        "reliability/generation_pipeline.py": """
            import json

            def main(output_dir, rows):
                with open(f"{output_dir}/gen_table.jsonl", "w") as f:
                    f.writelines(json.dumps(row) + "\\n" for row in rows)
        """,
    },
    "stages of one project in folders of their own hand images through a folder, nested unpacking": {
        "environment.yml": "dependencies:\n  - pytorch\n",
        "generation/generate.py": """
            import os

            from diffusers import DiffusionPipeline

            pipe = DiffusionPipeline.from_pretrained("stabilityai/sdxl-turbo")  # model: sdxl

            def main(prompts, outdir):
                for index, prompt in enumerate(prompts):
                    folder = os.path.join(outdir, f"{index:0>5}", "samples")
                    os.makedirs(folder, exist_ok=True)
                    for count, sample in enumerate(pipe(prompt, num_images_per_prompt=4).images):
                        sample.save(os.path.join(folder, f"{count:05}.png"))

            if __name__ == "__main__":
                main(["a red cube"], "outputs")
        """,
        "evaluation/evaluate.py": """
            import os
            import sys

            import open_clip
            from PIL import Image

            def load_models():
                clip, _, transform = open_clip.create_model_and_transforms(  # model: clip
                    "ViT-L-14", pretrained="openai"
                )
                return "detector", (clip, transform)

            def main(folder):
                for subfolder in os.listdir(folder):
                    for name in os.listdir(os.path.join(folder, subfolder, "samples")):
                        image = Image.open(os.path.join(folder, subfolder, "samples", name))
                        # edge: evaluation sdxl->clip
                        print(clip.encode_image(transform(image).unsqueeze(0)))

            if __name__ == "__main__":
                detector, (clip, transform) = load_models()
                main(sys.argv[1])
        """,
    },
    "a scoring script opening the images named by a list below a folder given on its command line": {
        "generate.py": """
            import argparse
            import os

            from diffusers import StableDiffusionPipeline

            pipe = StableDiffusionPipeline.from_pretrained("nota-ai/bk-sdm-small")  # model: sd

            if __name__ == "__main__":
                parser = argparse.ArgumentParser()
                parser.add_argument("--save_dir", default="./results/im512")
                args = parser.parse_args()
                for i, prompt in enumerate(open("prompts.txt").read().splitlines()):
                    pipe(prompt).images[0].save(os.path.join(args.save_dir, f"{i}.png"))
        """,
        "eval_clip_score.py": """
            import argparse
            import csv
            import os

            import open_clip
            from PIL import Image
            from torchvision.transforms.functional import to_tensor

            model = open_clip.create_model("ViT-g-14", pretrained="laion2b_s34b_b88k")  # model: clip

            if __name__ == "__main__":
                parser = argparse.ArgumentParser()
                parser.add_argument("--img_dir", default="./results/im512")
                parser.add_argument("--data_list", default="data/val.csv")
                args = parser.parse_args()
                for name, prompt in csv.reader(open(args.data_list)):
                    image = to_tensor(Image.open(os.path.join(args.img_dir, name))).unsqueeze(0)
                    # edge: evaluation sd->clip
                    print(model.encode_image(image))
        """,
    },
    "a script classifying every image of a folder the project's generators saved there evaluates them": {
        "evalscripts/generate_images.py": """
            import os

            from diffusers import StableDiffusionPipeline

            pipe = StableDiffusionPipeline.from_pretrained("CompVis/stable-diffusion-v1-4")  # model: sd

            def main(prompts, save_path):
                for case, prompt in enumerate(prompts):
                    for num, image in enumerate(pipe(prompt).images):
                        image.save(f"{save_path}/{case}_{num}.png")
        """,
        "evalscripts/generate_sdxl.py": """
            import os

            from diffusers import StableDiffusionXLPipeline

            # model: sdxl
            pipe = StableDiffusionXLPipeline.from_pretrained("stabilityai/stable-diffusion-xl-base-1.0")

            def main(prompts, out_dir):
                for case, prompt in enumerate(prompts):
                    image = pipe(prompt).images[0]
                    image.save(os.path.join(out_dir, f"{case}.png"))
        """,
        "evalscripts/classify.py": """
            import os

            import pandas as pd
            import torch
            from PIL import Image
            from torchvision.transforms.functional import to_tensor
            from transformers import ViTForImageClassification

            vit = ViTForImageClassification.from_pretrained("google/vit-base-patch16-224")  # model: vit

            def main(folder, out_csv):
                names = sorted(os.listdir(folder))
                rows = []
                for name in names:
                    path = os.path.join(folder, name)
                    pixels = to_tensor(Image.open(path)).unsqueeze(0)
                    with torch.no_grad():
                        # edge: evaluation sd->vit
                        # edge: evaluation sdxl->vit
                        logits = vit(pixel_values=pixels).logits
                    rows.append({"name": name, "class": logits.argmax(-1).item()})
                pd.DataFrame(rows).to_csv(out_csv)
        """,
    },
    "a script classifying the listed images its own loader opens evaluates what the generator saved": {
        "generate.py": IMAGES_GENERATED_INTO_A_FOLDER,
        "classify.py": """
            import glob

            from PIL import Image
            from torchvision.transforms.functional import to_tensor
            from transformers import ViTForImageClassification

            vit = ViTForImageClassification.from_pretrained("google/vit-base-patch16-224")  # model: vit


            def image_loader(image_name):
                return to_tensor(Image.open(image_name)).unsqueeze(0)


            def main(folder):
                labels = []
                for path in sorted(glob.glob(f"{folder}/*.png")):
                    # edge: evaluation sd->vit
                    labels.append(vit(pixel_values=image_loader(path)).logits.argmax(-1).item())
                print(labels)
        """,
    },
    "a script generating from the images of a folder it lists saves its own: it reads its inputs": {
        "generate.py": IMAGES_GENERATED_INTO_A_FOLDER,
        "restyle.py": """
            import glob

            from diffusers import StableDiffusionImg2ImgPipeline
            from PIL import Image

            # model: img2img
            pipe = StableDiffusionImg2ImgPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")

            def main(input_dir, out_dir):
                for i, path in enumerate(glob.glob(f"{input_dir}/*.jpg")):
                    result = pipe("a watercolor", image=Image.open(path)).images[0]
                    result.save(f"{out_dir}/{i}.png")
        """,
    },
    "a training script's validation images and a data-preparation script's images are scored by no one": {
        "train.py": """
            import torch
            from diffusers import StableDiffusionPipeline

            pipe = StableDiffusionPipeline.from_pretrained("CompVis/stable-diffusion-v1-4")  # model: sd

            def train(batches, output_dir):
                optimizer = torch.optim.AdamW(pipe.unet.parameters())
                for step, batch in enumerate(batches):
                    loss = pipe.unet(batch["latents"], batch["t"], batch["states"]).sample.mean()
                    loss.backward()
                    optimizer.step()
                    pipe("a validation prompt").images[0].save(f"{output_dir}/validation_{step}.png")
        """,
        "prepare_captions.py": """
            from diffusers import StableDiffusionPipeline

            pipe = StableDiffusionPipeline.from_pretrained("stabilityai/sd-turbo")  # model: turbo

            def main(prompts, image_dir):
                for i, prompt in enumerate(prompts):
                    pipe(prompt).images[0].save(f"{image_dir}/{i}.png")
        """,
        "score_folder.py": """
            import os

            from PIL import Image
            from transformers import pipeline

            classifier = pipeline("image-classification", model="google/vit-base-patch16-224")  # model: vit

            def main(folder):
                return [classifier(Image.open(os.path.join(folder, name))) for name in os.listdir(folder)]
        """,
    },
    "a pipeline class whose from_pretrained builds it and whose __init__ sets its parts from a dict": {
        "pipeline.py": """
            from diffusers import UNet2DConditionModel
            from transformers import CLIPTextModel, CLIPVisionModel


            class VideoPipeline:
                def __init__(self, text_encoder, image_encoder, unet):
                    self.components = dict(text_encoder=text_encoder, image_encoder=image_encoder, unet=unet)
                    for name, component in self.components.items():
                        setattr(self, name, component)

                @classmethod
                def from_pretrained(cls, repo):
                    return cls(
                        # model: text
                        text_encoder=CLIPTextModel.from_pretrained(repo, subfolder="text_encoder"),
                        # model: vision
                        image_encoder=CLIPVisionModel.from_pretrained(repo, subfolder="image_encoder"),
                        unet=UNet2DConditionModel.from_pretrained(repo, subfolder="unet"),  # model: unet
                    )

                def encode_prompt(self, ids):
                    return self.text_encoder(ids).last_hidden_state
        """,
        "app.py": """
            from pipeline import VideoPipeline

            pipe = VideoPipeline.from_pretrained("lllyasviel/paints_undo_multi_frame")  # model: pipe


            def run(ids, frames, latents):
                text = pipe.encode_prompt(ids)
                image = pipe.image_encoder(frames).last_hidden_state
                # edge: feature-handoff/parallel text->unet
                # edge: feature-handoff/parallel vision->unet
                return pipe.unet(latents, 10, encoder_hidden_states=text, image_states=image).sample
        """,
    },
    "a custom diffusers pipeline registering the parts it is built with": {
        "pipeline_tryon.py": """
            from diffusers import DiffusionPipeline


            class TryOnPipeline(DiffusionPipeline):
                def __init__(self, vae, unet, garment_net):
                    super().__init__()
                    self.register_modules(vae=vae, unet=unet, garment_net=garment_net)

                def __call__(self, latents, garment, t):
                    garment_states = self.garment_net(garment, t).sample
                    # edge: feature-handoff/hierarchical garment->unet
                    latents = self.unet(latents, t, garment_states=garment_states).sample
                    # edge: feature-handoff/hierarchical unet->vae
                    return self.vae.decode(latents).sample
        """,
        "app.py": """
            from diffusers import AutoencoderKL, UNet2DConditionModel

            from pipeline_tryon import TryOnPipeline

            pipe = TryOnPipeline(
                vae=AutoencoderKL.from_pretrained("yisol/IDM-VTON", subfolder="vae"),  # model: vae
                unet=UNet2DConditionModel.from_pretrained("yisol/IDM-VTON", subfolder="unet"),  # model: unet
                # model: garment
                garment_net=UNet2DConditionModel.from_pretrained("yisol/IDM-VTON", subfolder="unet_encoder"),
            )
        """,
    },
    "a base class's method given a caption by another module's subclass scores it with the base's CLIP": {
        "captioner/__init__.py": "",
        "captioner/base.py": """
            import clip
            import torch


            class BaseCaptioner:
                def __init__(self, device):
                    self.filter, self.preprocess = clip.load("ViT-B/32", device)  # model: clip

                @torch.no_grad()
                def filter_caption(self, image, caption):
                    text = clip.tokenize([caption])
                    image_features = self.filter.encode_image(self.preprocess(image).unsqueeze(0))
                    # edge: feature-handoff/sequential blip->clip
                    text_features = self.filter.encode_text(text)
                    return (image_features @ text_features.T).item()
        """,
        "captioner/blip.py": """
            from transformers import BlipForConditionalGeneration, BlipProcessor

            from .base import BaseCaptioner

            REPO = "Salesforce/blip-image-captioning-large"


            class BLIPCaptioner(BaseCaptioner):
                def __init__(self, device):
                    super().__init__(device)
                    self.processor = BlipProcessor.from_pretrained(REPO)
                    self.model = BlipForConditionalGeneration.from_pretrained(REPO)  # model: blip

                def inference(self, image):
                    out = self.model.generate(**self.processor(image, return_tensors="pt"))
                    caption = self.processor.decode(out[0], skip_special_tokens=True)
                    return {"caption": caption, "clip_score": self.filter_caption(image, caption)}
        """,
    },
    "a project module named like an ML library (clip.py) is the project's, followed like any other": {
        "clip.py": """
            def clip_classification(image, class_list, clip_processor, clip_model):
                inputs = clip_processor(text=class_list, images=image, return_tensors="pt", padding=True)
                return clip_model(**inputs).logits_per_image.softmax(-1)
        """,
        "blip.py": """
            def caption_words(image, blip_processor, blip):
                ids = blip.generate(**blip_processor(image, return_tensors="pt"))
                return blip_processor.decode(ids[0]).split()
        """,
        "pipeline.py": """
            from blip import caption_words
            from clip import clip_classification


            def annotate(image, blip_processor, blip, clip_processor, clip_model):
                words = caption_words(image, blip_processor, blip)
                # edge: feature-handoff/sequential blip->clip
                return clip_classification(image, words, clip_processor, clip_model)
        """,
        "main.py": """
            from transformers import BlipForConditionalGeneration, BlipProcessor, CLIPModel, CLIPProcessor

            from pipeline import annotate

            CLIP = "openai/clip-vit-large-patch14"
            BLIP = "Salesforce/blip-image-captioning-large"
            clip_processor = CLIPProcessor.from_pretrained(CLIP)
            clip_model = CLIPModel.from_pretrained(CLIP)  # model: clip
            blip_processor = BlipProcessor.from_pretrained(BLIP)
            blip = BlipForConditionalGeneration.from_pretrained(BLIP)  # model: blip


            def main(images):
                return [annotate(image, blip_processor, blip, clip_processor, clip_model) for image in images]
        """,
    },
    "an instance of one of two generator classes: its beams re-ranked by its own CLIP, not the other's": {
        "captioning/__init__.py": "",
        "captioning/single.py": """
            import clip
            from transformers import GPT2LMHeadModel

            class Generator:
                def __init__(self):
                    self.lm = GPT2LMHeadModel.from_pretrained("gpt2-medium")  # model: lm
                    self.clip, self.preprocess = clip.load("ViT-B/32")  # model: clip

                def run(self, ids):
                    return self.lm.generate(ids)
        """,
        "captioning/batched.py": """
            import clip
            from transformers import GPTNeoForCausalLM

            class Generator:
                def __init__(self):
                    self.lm = GPTNeoForCausalLM.from_pretrained("EleutherAI/gpt-neo-125M")  # model: neo
                    self.clip, self.preprocess = clip.load("ViT-L/14")  # model: clip_large

                def run(self, ids):
                    return self.lm.generate(ids, num_beams=4)
        """,
        "run.py": """
            import clip
            import torch

            from captioning.batched import Generator as BatchedGenerator
            from captioning.single import Generator

            def caption(args, ids, image_features):
                generator = BatchedGenerator() if args.multi_gpu else Generator()
                captions = generator.run(ids)
                # edge: post-processing lm->clip, edge: post-processing neo->clip_large
                encoded = [generator.clip.encode_text(clip.tokenize(c)) for c in captions]
                best = (torch.cat(encoded) @ image_features.t()).squeeze().argmax().item()
                return captions[best]
        """,
    },
    "files downloaded into folders whose paths a config dict hands to the classes reading them (Kandinsky)": {
        "gen/__init__.py": """
            import os
            from copy import deepcopy

            from huggingface_hub import cached_download, hf_hub_url

            from .configs import CONFIG
            from .model import Generator


            def get_generator(device, cache_dir="/tmp/gen", task="text2img"):
                cache_dir = os.path.join(cache_dir, "2_1")
                config = deepcopy(CONFIG)
                if task == "text2img":
                    model_name = "decoder.ckpt"
                    url = hf_hub_url(repo_id="org/gen", filename=model_name)  # model: unet
                else:
                    model_name = "inpainting.ckpt"
                    url = hf_hub_url(repo_id="org/gen", filename=model_name)  # model: inpaint
                cached_download(url, cache_dir=cache_dir, force_filename=model_name)
                text_dir = os.path.join(cache_dir, "text_encoder")
                for name in ["config.json", "pytorch_model.bin", "tokenizer.json"]:
                    url = hf_hub_url(repo_id="org/gen", filename=f"text_encoder/{name}")  # model: text
                    cached_download(url, cache_dir=text_dir, force_filename=name)
                url = hf_hub_url(repo_id="org/gen", filename="movq.ckpt")  # model: movq
                cached_download(url, cache_dir=cache_dir, force_filename="movq.ckpt")
                config["tokenizer_name"] = text_dir
                config["text_enc_params"]["model_path"] = text_dir
                config["image_enc_params"]["ckpt_path"] = os.path.join(cache_dir, "movq.ckpt")
                return Generator(config, os.path.join(cache_dir, model_name), device, task)
        """,
        "gen/configs.py": """
            CONFIG = {
                "model_config": {"channels": 384, "use_fp16": False},
                "diffusion_config": {"steps": 1000},
                "text_enc_params": {"model_name": "multiclip", "model_path": ""},
                "image_enc_params": {"scale": 1, "ckpt_path": ""},
                "tokenizer_name": "",
            }
        """,
        "gen/text_encoders.py": """
            import torch
            from transformers import T5EncoderModel, XLMRobertaModel


            class TextEncoder(torch.nn.Module):
                def __init__(self, model_path, model_name):
                    super().__init__()
                    if model_name == "t5":
                        self.model = T5EncoderModel.from_pretrained(model_path)
                    else:
                        self.model = XLMRobertaModel.from_pretrained(model_path)

                def forward(self, tokens, mask):
                    return self.model(input_ids=tokens, attention_mask=mask).last_hidden_state
        """,
        "gen/model.py": """
            from copy import deepcopy

            import torch
            from transformers import AutoTokenizer

            from .nets import MOVQ, create_diffusion, create_model
            from .text_encoders import TextEncoder


            class Generator:
                def __init__(self, config, model_path, device, task):
                    self.config = config
                    self.tokenizer = AutoTokenizer.from_pretrained(self.config["tokenizer_name"])
                    self.text_encoder = TextEncoder(**self.config["text_enc_params"])
                    self.image_encoder = MOVQ(scale=self.config["image_enc_params"]["scale"])
                    self.image_encoder.load_state_dict(torch.load(self.config["image_enc_params"]["ckpt_path"]))
                    self.model = create_model(**self.config["model_config"])
                    self.model.load_state_dict(torch.load(model_path, map_location="cpu"))

                @torch.no_grad()
                def generate(self, prompt, guidance_scale=4.0):
                    config = deepcopy(self.config)
                    diffusion = create_diffusion(**config["diffusion_config"])
                    tokens = self.tokenizer([prompt, ""], return_tensors="pt")
                    model_kwargs = {}
                    model_kwargs["full_emb"] = self.text_encoder(tokens.input_ids, tokens.attention_mask)

                    def model_fn(x_t, ts, **kwargs):
                        half = x_t[: len(x_t) // 2]
                        # edge: feature-handoff/sequential text->unet
                        # edge: feature-handoff/sequential text->inpaint
                        out = self.model(torch.cat([half, half]), ts, **kwargs)
                        cond, uncond = out.chunk(2)
                        return uncond + guidance_scale * (cond - uncond)

                    # the sampling loop calls model_fn(x, t, **model_kwargs) at each step
                    samples = diffusion.p_sample_loop(model_fn, (2, 4, 64, 64), model_kwargs=model_kwargs)
                    # edge: feature-handoff/sequential unet->movq
                    # edge: feature-handoff/sequential inpaint->movq
                    samples = self.image_encoder.decode(samples / self.config["image_enc_params"]["scale"])
                    return samples
        """,
    },
    "a bundle a helper module builds, handed by another to the module reranking its retriever's hits": {
        "splade.py": """
            from transformers import AutoModelForMaskedLM


            class SparseSearch:
                def load(self):
                    self.model = AutoModelForMaskedLM.from_pretrained("naver/splade-v3")  # model: splade

                def query(self, tokens, k):
                    return self.model(**tokens).logits.topk(k).indices
        """,
        "ranking.py": """
            from sentence_transformers import CrossEncoder


            class Reranker:
                def __init__(self):
                    self.model = CrossEncoder("BAAI/bge-reranker-base")  # model: reranker

                def get_scores(self, query, docs):
                    return self.model.predict([(query, doc) for doc in docs])


            def rerank(rerank_model, query, docs):
                # edge: post-processing splade->reranker
                scores = rerank_model.get_scores(query, docs)
                return sorted(zip(scores, docs), reverse=True)


            def get_relevant_documents(query, tokens, bundle):
                ids = bundle.sparse_search.query(tokens, 50)
                docs = bundle.store.get_documents_by_id(ids)
                return rerank(rerank_model=bundle.reranker, query=query, docs=docs)
        """,
        "store.py": """
            class Store:
                def __init__(self, folder):
                    self.folder = folder

                def get_documents_by_id(self, ids):
                    return [open(f"{self.folder}/{i}.txt").read() for i in ids]
        """,
        "utils.py": """
            from dataclasses import dataclass

            from ranking import Reranker
            from splade import SparseSearch
            from store import Store


            @dataclass
            class Bundle:
                store: Store
                reranker: Reranker
                sparse_search: SparseSearch


            def get_bundle(folder):
                sparse = SparseSearch()
                sparse.load()
                return Bundle(store=Store(folder), reranker=Reranker(), sparse_search=sparse)
        """,
        "api.py": """
            from functools import lru_cache

            from ranking import get_relevant_documents
            from utils import get_bundle


            @lru_cache
            def cached_bundle():
                return get_bundle("docs")


            def search(question, tokens):
                return get_relevant_documents(question, tokens, cached_bundle())
        """,
    },
    "models a script hands to a module it alone binds, which hands them on to two more": {
        "main.py": """
            from transformers import CLIPModel, CLIPSegForImageSegmentation

            from pipeline import annotate

            clip = CLIPModel.from_pretrained("openai/clip-vit-base-patch32")  # model: classifier
            clipseg = CLIPSegForImageSegmentation.from_pretrained("CIDAS/clipseg-rd16")  # model: segmenter

            if __name__ == "__main__":
                annotate(clip, clipseg, images=[])
        """,
        "pipeline.py": """
            from classify import classify
            from segment import segment


            def annotate(clip_model, clipseg_model, images):
                for image in images:
                    names = classify(image, clip_model)
                    # edge: feature-handoff/sequential classifier->segmenter
                    yield segment(image, names, clipseg_model)
        """,
        "classify.py": """
            def classify(image, clip_model):
                return clip_model(pixel_values=image).logits_per_image.topk(3).indices
        """,
        "segment.py": """
            def segment(image, class_names, clipseg_model):
                return clipseg_model(input_ids=class_names, pixel_values=image).logits
        """,
    },
    "a function imported from one of two modules by branch, called with a model": {
        "model.py": """
            from transformers import pipeline

            def load_model():
                return pipeline("text-generation", model="gpt2")  # model: gen
        """,
        "run.py": """
            from model import load_model

            def main(task, questions):
                generator = load_model()
                if task == "qa":
                    from evaluate.qa import evaluate
                else:
                    from evaluate.summary import evaluate
                print(evaluate(generator, questions))

            if __name__ == "__main__":
                main("qa", ["Who wrote Hamlet?"])
        """,
        "evaluate/__init__.py": "",
        "evaluate/qa.py": """
            from transformers import pipeline

            def evaluate(model, questions):
                reader = pipeline("question-answering", model="deepset/roberta-base-squad2")  # model: reader
                answers = [model(q)[0]["generated_text"] for q in questions]
                # edge: evaluation gen->reader
                scores = [reader(question=q, context=a)["score"] for q, a in zip(questions, answers)]
                return sum(scores) / len(scores)
        """,
        "evaluate/summary.py": """
            def evaluate(model, texts):
                return [model(text)[0]["generated_text"] for text in texts]
        """,
    },
}


@pytest.mark.parametrize("files", ACROSS_MODULES.values(), ids=ACROSS_MODULES.keys())
def test_models_bind_across_the_modules_of_a_project(tmp_path: Path, files: dict[str, str]) -> None:
    check_edges(tmp_path, files)


def test_an_instance_of_a_project_class_holds_the_models_it_sets_on_self(tmp_path: Path) -> None:
    check_edges(
        tmp_path,
        {
            "reward/__init__.py": "",
            "reward/model.py": """
                from torch import nn
                from transformers import AutoModelForCausalLM

                class RewardModel(nn.Module):
                    def __init__(self, path):
                        super().__init__()
                        base = AutoModelForCausalLM.from_pretrained(path)  # model: rm
                        self.transformer = base.transformer
                        self.head = nn.Linear(768, 1)
            """,
            "evaluate_summaries.py": """
                from reward.model import RewardModel
                from transformers import AutoModelForCausalLM

                policy = AutoModelForCausalLM.from_pretrained("CarperAI/tldr-ppo")  # model: policy
                reward_model = RewardModel("CarperAI/tldr-rm")

                def summarize(ids):
                    return policy.generate(ids)

                summaries = [summarize(ids) for ids in batches]
                scores = reward_model(input_ids=summaries)  # edge: evaluation policy->rm stage=evaluation
                print(scores.mean())
            """,
        },
    )


def test_models_handed_to_a_class_constructor_are_the_attributes_its_methods_run(tmp_path: Path) -> None:
    check_edges(
        tmp_path,
        """
        from sentence_transformers import CrossEncoder, SentenceTransformer

        class RetrieveAndRerank:
            def __init__(self, embedder, reranker, top_k=10):
                self.embedder = embedder
                self.reranker = reranker

            def search(self, query, corpus):
                hits = self.embedder.encode(query) @ corpus.T
                return self.reranker.predict([(query, hit) for hit in hits])  # edge: post-processing bi->ce

        # model: bi
        embedder = SentenceTransformer("all-MiniLM-L6-v2")
        reranker = CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2")  # model: ce
        pipeline = RetrieveAndRerank(embedder, reranker=reranker)
        """,
    )


def test_models_handed_to_a_class_of_another_module_are_the_attributes_its_methods_run(
    tmp_path: Path,
) -> None:
    check_edges(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/rag.py": """
                class RetrieveAndRerank:
                    def __init__(self, embedder, reranker):
                        self.embedder = embedder
                        self.reranker = reranker

                    def search(self, query):
                        hits = self.embedder.encode(query)
                        return self.reranker.predict(hits)  # edge: post-processing bi->ce
            """,
            "app/main.py": """
                from sentence_transformers import CrossEncoder, SentenceTransformer

                from .rag import RetrieveAndRerank

                bi = SentenceTransformer("all-MiniLM-L6-v2")  # model: bi
                ce = CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2")  # model: ce
                rag = RetrieveAndRerank(bi, reranker=ce)
            """,
        },
    )


def test_models_handed_to_a_class_of_another_module_and_used_apart_hand_nothing_on(tmp_path: Path) -> None:
    check_edges(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/tools.py": """
                class Tools:
                    def __init__(self, embedder, reranker):
                        self.embedder = embedder
                        self.reranker = reranker

                    def index(self, docs):
                        return self.embedder.encode(docs)

                    def score(self, pairs):
                        return self.reranker.predict(pairs)
            """,
            "app/main.py": """
                from sentence_transformers import CrossEncoder, SentenceTransformer

                from .tools import Tools

                tools = Tools(SentenceTransformer("all-MiniLM-L6-v2"), CrossEncoder("cross-encoder/ms-marco"))
            """,
        },
    )


def test_models_handed_to_a_function_of_another_module_are_what_its_parameters_hold(tmp_path: Path) -> None:
    check_edges(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/search.py": """
                def retrieve_and_rerank(embedder, reranker, query, corpus):
                    hits = embedder.encode(query) @ corpus.T
                    return reranker.predict([(query, hit) for hit in hits])  # edge: post-processing bi->ce

                def index(embedder, docs):
                    return embedder.encode(docs)
            """,
            "app/main.py": """
                from sentence_transformers import CrossEncoder, SentenceTransformer

                from .search import index, retrieve_and_rerank

                bi = SentenceTransformer("all-MiniLM-L6-v2")  # model: bi
                ce = CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2")  # model: ce
                corpus = index(bi, docs)
                print(retrieve_and_rerank(bi, ce, "query", corpus))
            """,
        },
    )


def test_edges_seen_twice_are_one_edge_with_all_their_evidence(tmp_path: Path) -> None:
    edges = check_edges(
        tmp_path,
        """
        from transformers import pipeline

        asr = pipeline("automatic-speech-recognition", model="openai/whisper-small")  # model: whisper
        summarizer = pipeline("summarization", model="t5-small")  # model: t5

        def once(audio):
            return summarizer(asr(audio)["text"])  # edge: feature-handoff/sequential whisper->t5

        def batch(files):
            return [summarizer(asr(f)["text"]) for f in files]  # edge: feature-handoff/sequential whisper->t5
        """,
    )
    assert [(s.path, s.line) for s in edges[0].evidence] == [("snippet.py", 7), ("snippet.py", 10)]
    assert edges[0].evidence[0].text == "summarizer(asr(audio)['text'])"


def test_a_function_imported_from_another_module_runs_its_model_on_the_arguments_it_is_given(
    tmp_path: Path,
) -> None:
    check_edges(
        tmp_path,
        {
            "metrics.py": """
                from transformers import CLIPModel

                clip = CLIPModel.from_pretrained("openai/clip-vit-base-patch32")  # model: clip

                def clip_score(images, prompts):
                    pixels = [to_tensor(image) for image in images]
                    return _features(pixels).norm()

                def _features(pixels):
                    return clip.get_image_features(pixel_values=pixels)
            """,
            "filters.py": """
                from transformers import pipeline

                # model: nsfw
                checker = pipeline("image-classification", model="Falconsai/nsfw_image_detection")

                def drop_unsafe(images):
                    for image in images:
                        verdict = checker(image)
                        yield image, verdict
            """,
            "run.py": """
                from diffusers import DiffusionPipeline
                import filters
                from metrics import clip_score

                pipe = DiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd

                def generate(prompts):
                    images = pipe(prompts).images
                    print(clip_score(images, prompts))  # edge: evaluation sd->clip stage=evaluation
                    return list(filters.drop_unsafe(images))  # edge: post-processing sd->nsfw
            """,
        },
    )


def test_a_function_imported_from_another_module_that_runs_its_model_on_other_data_makes_no_edge(
    tmp_path: Path,
) -> None:
    check_edges(
        tmp_path,
        {
            "metrics.py": """
                from transformers import CLIPModel

                clip = CLIPModel.from_pretrained("openai/clip-vit-base-patch32")  # model: clip
                reference = clip.get_image_features(pixel_values=load_reference())

                def clip_score(images):
                    baseline = clip.get_text_features(input_ids=default_ids())
                    print(len(images))
                    return baseline
            """,
            "run.py": """
                from diffusers import DiffusionPipeline
                from metrics import clip_score

                pipe = DiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd

                def generate(prompts):
                    images = pipe(prompts).images
                    print(clip_score(images))
            """,
        },
    )


def test_a_value_cut_short_by_the_depth_limit_is_followed_again_when_asked_from_shallower() -> None:
    # A long chain of datasets handed from metric to metric reaches a model's output only past the
    # depth limit when it is first asked from deep inside another value: what that gave is no answer
    # for the same expression asked from its own statement.
    source = (
        textwrap.dedent(
            """
        from transformers import AutoModel

        encoder = AutoModel.from_pretrained("bert-base-uncased")
        hidden = encoder(tokens).last_hidden_state
        pooled = hidden.mean(1)
        scaled = pooled * 2
        features = scaled + 1
        """
        )
        .lstrip("\n")
        .encode()
    )
    scan = scan_source(source, "snippet.py", None)
    tree = ast.parse(source)
    bindings = ModelBindings(tree, source, "snippet.py", scan.loads)
    last = tree.body[-1]
    assert isinstance(last, ast.Assign)
    scope = bindings.scope_of(last)
    assert not bindings.held(last.value, scope, depth=_MAX_DEPTH - 1).derived  # cut short
    assert {load.line for load in bindings.held(last.value, scope).derived} == {3}


def test_a_loop_carried_value_is_the_same_whichever_of_its_uses_is_asked_first() -> None:
    # Asked first at the top of the loop, the cycle's head is `latents.detach()`; a use further down
    # (the gradient's input) read while the cycle was worked out the first time, through a member not
    # yet settled, must wait for the cycle too and not keep what that member held then (nothing).
    snippet = FEEDBACK[
        "CLIP guidance: the gradient of CLIP's loss steers the latents inside the sampling loop"
    ]
    source = textwrap.dedent(snippet).lstrip("\n").encode()
    scan = scan_source(source, "snippet.py", None)
    tree = ast.parse(source)
    bindings = ModelBindings(tree, source, "snippet.py", scan.loads)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    detach = next(c for c in calls if ast.unparse(c) == "latents.detach()")
    gradient = next(c for c in calls if ast.unparse(c) == "torch.autograd.grad(loss, latents)")
    assert {load.line for load in bindings.held(detach, bindings.scope_of(detach)).derived} == {5, 6}
    steered = gradient.args[1]
    assert {load.line for load in bindings.held(steered, bindings.scope_of(gradient)).derived} == {5, 6}

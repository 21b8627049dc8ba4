"""Model values the flow pass follows through objects: containers and queues held on an object,
attributes set on objects other than ``self``, classes whose base class (of the file or of another
module of the project) loads or runs the models. Snippets are marked as in test_dataflow_edges.py:
``# model: name`` on a load, ``# edge: kind/mode a->b`` where the value reaches the other model; a
snippet without edge marks must give no edge.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_dataflow_edges import check_edges

HELD_ON_OBJECTS = {
    "models kept by name in a dict on self: the key picks the model": """
        from transformers import pipeline

        class Assistant:
            def __init__(self):
                self.models = {}
                # model: asr
                self.models["asr"] = pipeline("automatic-speech-recognition", model="openai/whisper-small")
                self.models["llm"] = pipeline("text-generation", model="gpt2")  # model: llm
                self.models["tts"] = pipeline("text-to-speech", model="suno/bark-small")  # model: tts

            def read_aloud(self, audio, prompt):
                text = self.models["asr"](audio)["text"]
                print(self.models["llm"](prompt))  # another key: not the transcript's model
                return self.models["tts"](text)  # edge: feature-handoff/sequential asr->tts
        """,
    "models registered in a loop on self, then picked by a name known at run time": """
        from transformers import AutoModel, AutoModelForCausalLM

        class Registry:
            def __init__(self, names):
                self.loaded = []
                self.loaded.append(AutoModel.from_pretrained("bert-base-uncased"))  # model: bert
                self.decoders = {}
                for name in names:
                    self.decoders[name] = AutoModelForCausalLM.from_pretrained(name)  # model: dec

            def run(self, ids, name):
                hidden = self.loaded[0](ids).last_hidden_state
                # edge: feature-handoff/sequential bert->dec
                return self.decoders[name].generate(inputs_embeds=hidden)
        """,
    "a queue on self between the method that produces and the one that consumes, not another queue": """
        import queue
        from transformers import pipeline

        class Assistant:
            def __init__(self):
                self.asr = pipeline("automatic-speech-recognition", model="openai/whisper-tiny")  # model: asr
                self.llm = pipeline("text-generation", model="gpt2")  # model: llm
                self.tts = pipeline("text-to-speech", model="suno/bark-small")  # model: tts
                self.texts = queue.Queue()
                self.prompts = queue.Queue()

            def listen(self, audio):
                self.texts.put(self.asr(audio)["text"])

            def answer(self):
                text = self.texts.get()
                return self.llm(text)  # edge: feature-handoff/sequential asr->llm

            def speak(self):
                return self.tts(self.prompts.get())
        """,
    "models set on the argparse namespace in one function and run in another": """
        from transformers import AutoModel, AutoModelForCausalLM

        def setup(args):
            args.encoder = AutoModel.from_pretrained("bert-base-uncased")  # model: bert
            args.decoder = AutoModelForCausalLM.from_pretrained("gpt2")  # model: gpt2

        def run(args, ids):
            hidden = args.encoder(ids).last_hidden_state
            return args.decoder.generate(inputs_embeds=hidden)  # edge: feature-handoff/sequential bert->gpt2
        """,
    "an output kept on a state object and read back by a later step, not another object's": """
        from transformers import AutoModel, AutoModelForCausalLM, AutoModelForSequenceClassification

        encoder = AutoModel.from_pretrained("bert-base-uncased")  # model: bert
        head = AutoModelForSequenceClassification.from_pretrained("roberta-base")  # model: roberta
        decoder = AutoModelForCausalLM.from_pretrained("gpt2")  # model: gpt2

        def encode(state, ids):
            state.hidden = encoder(ids).last_hidden_state

        def classify(state, other):
            print(decoder.generate(inputs_embeds=other.hidden))
            return head(inputs_embeds=state.hidden)  # edge: feature-handoff/sequential bert->roberta
        """,
}


@pytest.mark.parametrize("snippet", HELD_ON_OBJECTS.values(), ids=list(HELD_ON_OBJECTS))
def test_models_and_outputs_held_on_objects_are_followed(tmp_path: Path, snippet: str) -> None:
    check_edges(tmp_path, snippet)


INHERITED = {
    "attributes a base class of the file sets, and a method it defines, used by a subclass": """
        from transformers import AutoModel, AutoModelForCausalLM, pipeline

        class Encoder:
            def __init__(self):
                self.encoder = AutoModel.from_pretrained("bert-base-uncased")  # model: bert

            def embed(self, ids):
                return self.encoder(ids).last_hidden_state

        class Captioner(Encoder):
            def __init__(self):
                super().__init__()
                self.decoder = AutoModelForCausalLM.from_pretrained("gpt2")  # model: gpt2
                self.speaker = pipeline("text-to-speech", model="suno/bark-small")  # model: tts

            def caption(self, ids):
                # edge: feature-handoff/sequential bert->gpt2
                return self.decoder.generate(inputs_embeds=self.embed(ids))

        class Reader(Encoder):
            def read(self, text):
                return self.speaker(text)  # a sibling's attribute: nothing here
        """,
    "what each subclass hands its base class's __init__ is that subclass's own": """
        from transformers import pipeline

        class Stage:
            def __init__(self, model):
                self.model = model

        class Transcriber(Stage):
            def __init__(self):
                # model: asr
                super().__init__(pipeline("automatic-speech-recognition", model="openai/whisper-tiny"))

            def __call__(self, audio):
                return self.model(audio)["text"]

        class Writer(Stage):
            def __init__(self):
                super().__init__(pipeline("text-generation", model="gpt2"))  # model: llm

            def __call__(self, prompt):
                return self.model(prompt)

        class Speaker(Stage):
            def __call__(self, text):
                return self.model(text)

        transcriber, writer = Transcriber(), Writer()
        speaker = Speaker(pipeline("text-to-speech", model="suno/bark-small"))  # model: tts

        def answer(audio):
            text = transcriber(audio)
            reply = writer(text)  # edge: feature-handoff/sequential asr->llm
            return speaker(reply)  # edge: feature-handoff/sequential llm->tts
        """,
}


@pytest.mark.parametrize("snippet", INHERITED.values(), ids=list(INHERITED))
def test_a_subclass_holds_what_its_base_class_sets_and_runs_what_it_defines(
    tmp_path: Path, snippet: str
) -> None:
    check_edges(tmp_path, snippet)


def test_a_base_class_imported_from_another_module_of_the_project_sets_what_a_subclass_runs(
    tmp_path: Path,
) -> None:
    check_edges(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/base.py": """
                from transformers import AutoModel

                class Handler:
                    def __init__(self, model_id):
                        self.encoder = AutoModel.from_pretrained(model_id)  # model: enc

                    def embed(self, ids):
                        return self.encoder(ids).last_hidden_state
            """,
            "app/captioner.py": """
                from transformers import AutoModelForCausalLM

                from .base import Handler

                class Captioner(Handler):
                    def __init__(self):
                        super().__init__("bert-base-uncased")
                        self.decoder = AutoModelForCausalLM.from_pretrained("gpt2")  # model: gpt2

                    def caption(self, ids):
                        hidden = self.encoder(ids).last_hidden_state
                        # edge: feature-handoff/sequential enc->gpt2
                        first = self.decoder.generate(inputs_embeds=hidden)
                        return first, self.decoder.generate(inputs_embeds=self.embed(ids))
            """,
        },
    )


FUNCTIONS_AS_VALUES = {
    "a scorer function a factory returns runs the model it closes over on what it is given": """
        from diffusers import StableDiffusionPipeline
        from transformers import BlipForConditionalGeneration, CLIPModel

        def clip_scorer():
            clip = CLIPModel.from_pretrained("openai/clip-vit-base-patch32")  # model: clip

            def score(images):
                return clip.get_image_features(pixel_values=images)

            return score

        def captioner(fixed_ids):
            blip = BlipForConditionalGeneration.from_pretrained("Salesforce/blip-image-captioning-base")
            prefix = blip.generate(fixed_ids)  # run on its own input, not on what the closure is given

            def caption(images):
                return [prefix, images]

            return caption

        pipe = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd
        scorer = clip_scorer()
        caption = captioner([0])

        def evaluate(prompts):
            images = pipe(prompts).images
            print(caption(images))
            return scorer(images).mean()  # edge: evaluation sd->clip stage=evaluation
        """,
    "functions handed to a function as arguments run their models where it calls them": """
        from sentence_transformers import CrossEncoder, SentenceTransformer

        bi = SentenceTransformer("all-MiniLM-L6-v2")  # model: bi
        ce = CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2")  # model: ce

        def embed_query(query):
            return bi.encode(query)

        def rerank_hits(hits):
            return ce.predict(hits)

        def search(query, embed, rerank):
            hits = embed(query)
            return rerank(hits)  # edge: post-processing bi->ce

        def run(query):
            return search(query, embed_query, rerank_hits)
        """,
    "a function run by an executor or a thread is given the arguments that follow it": """
        import threading
        from concurrent.futures import ThreadPoolExecutor
        from transformers import pipeline

        llm = pipeline("text-generation", model="gpt2")  # model: llm
        tts = pipeline("text-to-speech", model="suno/bark-small")  # model: tts
        asr = pipeline("automatic-speech-recognition", model="openai/whisper-tiny")  # model: asr

        def speak(text):
            return tts(text)  # edge: feature-handoff/sequential llm->tts

        def transcribe(audio):
            return asr(audio)

        def answer(prompt, audio):
            reply = llm(prompt)[0]["generated_text"]
            threading.Thread(target=speak, args=(reply,)).start()
            with ThreadPoolExecutor() as pool:
                future = pool.submit(transcribe, audio)
            return future.result()
        """,
}


@pytest.mark.parametrize("snippet", FUNCTIONS_AS_VALUES.values(), ids=list(FUNCTIONS_AS_VALUES))
def test_functions_handed_over_as_values_run_their_models_where_they_are_called(
    tmp_path: Path, snippet: str
) -> None:
    check_edges(tmp_path, snippet)


HANDED_CONTAINERS = {
    "what a function puts into a list or queue it is given is in the caller's after the call": """
        import queue
        import threading
        from transformers import pipeline

        asr = pipeline("automatic-speech-recognition", model="openai/whisper-tiny")  # model: asr
        llm = pipeline("text-generation", model="gpt2")  # model: llm
        tts = pipeline("text-to-speech", model="suno/bark-small")  # model: tts

        def transcribe(audio, out):
            out.append(asr(audio)["text"])

        def listen(audio, texts):
            texts.put(asr(audio)["text"])

        def note(audio, seen):
            print(audio, seen)

        def answer(texts):
            return llm(texts.get())  # edge: feature-handoff/sequential asr->llm

        def main(audio):
            found, seen, texts = [], [], queue.Queue()
            transcribe(audio, found)
            note(audio, seen)
            threading.Thread(target=listen, args=(audio, texts)).start()
            threading.Thread(target=answer, args=(texts,)).start()
            tts(seen)
            return llm(found[0])  # edge: feature-handoff/sequential asr->llm
        """,
}


@pytest.mark.parametrize("snippet", HANDED_CONTAINERS.values(), ids=list(HANDED_CONTAINERS))
def test_containers_handed_to_functions_hold_what_they_put_in(tmp_path: Path, snippet: str) -> None:
    check_edges(tmp_path, snippet)


WORKER_BASE = """
    class Worker:
        def __init__(self, stop_event, queue_in, queue_out):
            self.stop_event = stop_event
            self.queue_in = queue_in
            self.queue_out = queue_out
            self.setup()

        def setup(self):
            pass

        def process(self, item):
            raise NotImplementedError

        def run(self):
            while not self.stop_event.is_set():
                item = self.queue_in.get()
                for output in self.process(item):
                    self.queue_out.put(output)
"""


def test_workers_joined_by_queues_hand_their_outputs_down_the_chain(tmp_path: Path) -> None:
    """Threads of one base class's run loop, each a subclass overriding process, joined by the queues
    handed to their constructors: each stage's model feeds the next one's, not the one after."""
    check_edges(
        tmp_path,
        {
            "voice/__init__.py": "",
            "voice/worker.py": WORKER_BASE,
            "voice/stt.py": """
                from transformers import pipeline

                from .worker import Worker

                class Transcriber(Worker):
                    def setup(self):
                        # model: asr
                        self.asr = pipeline("automatic-speech-recognition", model="openai/whisper-tiny")

                    def process(self, audio):
                        yield self.asr(audio)["text"]  # edge: feature-handoff/sequential vad->asr
            """,
            "voice/llm.py": """
                from transformers import pipeline

                from .worker import Worker

                class Responder(Worker):
                    def setup(self):
                        self.llm = pipeline("text-generation", model="gpt2")  # model: llm

                    def process(self, text):
                        yield self.llm(text)[0]["generated_text"]  # edge: feature-handoff/sequential asr->llm
            """,
            "voice/tts.py": """
                from transformers import pipeline

                from .worker import Worker

                class Speaker(Worker):
                    def setup(self):
                        self.tts = pipeline("text-to-speech", model="suno/bark-small")  # model: tts

                    def process(self, text):
                        yield self.tts(text)["audio"]  # edge: feature-handoff/sequential llm->tts
            """,
            "voice/main.py": """
                import threading
                from queue import Queue

                import torch

                from .llm import Responder
                from .stt import Transcriber
                from .tts import Speaker

                vad = torch.hub.load("snakers4/silero-vad", "silero_vad")  # model: vad

                def main(microphone):
                    stop = threading.Event()
                    audio_in, texts, replies, audio_out = Queue(), Queue(), Queue(), Queue()
                    workers = [
                        Transcriber(stop, queue_in=audio_in, queue_out=texts),
                        Responder(stop, queue_in=texts, queue_out=replies),
                        Speaker(stop, queue_in=replies, queue_out=audio_out),
                    ]
                    for worker in workers:
                        threading.Thread(target=worker.run).start()
                    for chunk in microphone:
                        audio_in.put(vad(chunk))
            """,
        },
    )


def test_a_module_that_only_joins_workers_by_queues_is_followed(tmp_path: Path) -> None:
    """The module making the queues loads nothing and imports no model, only the worker classes."""
    check_edges(
        tmp_path,
        {
            "voice/__init__.py": "",
            "voice/worker.py": WORKER_BASE,
            "voice/stages.py": """
                from transformers import pipeline

                from .worker import Worker

                class Transcriber(Worker):
                    def setup(self):
                        # model: asr
                        self.asr = pipeline("automatic-speech-recognition", model="openai/whisper-tiny")

                    def process(self, audio):
                        yield self.asr(audio)["text"]

                class Responder(Worker):
                    def setup(self):
                        self.llm = pipeline("text-generation", model="gpt2")  # model: llm

                    def process(self, text):
                        yield self.llm(text)[0]["generated_text"]  # edge: feature-handoff/sequential asr->llm
            """,
            "voice/main.py": """
                import threading
                from queue import Queue

                from .stages import Responder, Transcriber

                def main():
                    stop = threading.Event()
                    audio_in, texts, replies = Queue(), Queue(), Queue()
                    workers = [
                        Transcriber(stop, queue_in=audio_in, queue_out=texts),
                        Responder(stop, queue_in=texts, queue_out=replies),
                    ]
                    for worker in workers:
                        threading.Thread(target=worker.run).start()
            """,
        },
    )


def test_values_saved_to_a_file_and_read_back_from_it_keep_their_model(tmp_path: Path) -> None:
    check_edges(
        tmp_path,
        """
        import json

        import torch
        from sentence_transformers import CrossEncoder, SentenceTransformer
        from transformers import pipeline

        bi = SentenceTransformer("all-MiniLM-L6-v2")  # model: bi
        ce = CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2")  # model: ce
        summarizer = pipeline("summarization", model="t5-small")  # model: t5
        HITS = "runs/hits.json"

        def retrieve(queries, corpus):
            hits = bi.encode(queries) @ bi.encode(corpus).T
            torch.save(hits, "runs/scores.pt")
            with open(HITS, "w") as f:
                json.dump(hits.tolist(), f)

        def rerank(queries):
            with open(HITS) as f:
                hits = json.load(f)
            scores = torch.load("runs/scores.pt")
            notes = torch.load("runs/notes.pt")  # another file: nothing of the bi-encoder's
            print(summarizer(notes), scores.shape)
            return ce.predict([(q, h) for q, h in zip(queries, hits)])  # edge: post-processing bi->ce
        """,
    )


def test_a_function_picked_by_name_from_a_module_of_the_project_is_any_of_its_functions(
    tmp_path: Path,
) -> None:
    check_edges(
        tmp_path,
        {
            "ddpo/__init__.py": "",
            "ddpo/rewards.py": """
                from transformers import CLIPModel

                def aesthetic_score():
                    clip = CLIPModel.from_pretrained("openai/clip-vit-large-patch14")  # model: clip

                    def _fn(images):
                        return clip.get_image_features(pixel_values=images)

                    return _fn

                def image_count():
                    def _fn(images):
                        return len(images)

                    return _fn
            """,
            "ddpo/sample.py": """
                import torch.nn.functional as F
                from diffusers import StableDiffusionPipeline

                from ddpo import rewards

                pipe = StableDiffusionPipeline.from_pretrained("runwayml/stable-diffusion-v1-5")  # model: sd

                def sample(config, prompts):
                    reward_fn = getattr(rewards, config.reward_fn)()
                    activation = getattr(F, config.activation)
                    images = pipe(prompts).images
                    return reward_fn(images), activation(images)  # edge: evaluation sd->clip
            """,
        },
    )

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

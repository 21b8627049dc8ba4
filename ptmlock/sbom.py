"""`ptm sbom`: the lock as a CycloneDX 1.6 ML-BOM, built with cyclonedx-python-lib (the `sbom` extra).

One machine-learning-model component per locked model, purl by source (pkg:huggingface/org/name@commit,
pkg:github/owner/repo@commit for torch.hub, pkg:generic for URL and local models), each locked file a
sub-component with its sha256, the licence the lock recorded, and a modelCard (task, datasets, training
provenance); ptm export's artifacts are components derived from their model; the graph (edges, base
models, trained_with, groups) becomes `dependencies`. The hashes are the lock's: nothing is read again.

cyclonedx-python-lib has no model-card type yet, so the modelCard objects are written into the library's
own output, at the place the schema puts them; the tests validate the result with its validators.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from . import __version__
from .errors import PtmError

if TYPE_CHECKING:
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component

    from .lockfile import Lock, LockedFile, LockedModel
    from .manifest import Manifest

SPEC_VERSION = "1.6"
FORMATS = ("json", "xml")
# An SBOM of the same lock is the same document: its serial number is derived from the lock's pins.
_NAMESPACE = uuid.UUID("6f1c3e0e-5d0b-4c47-9a4e-7d1f3f6a2b10")
_XML_NS = "http://cyclonedx.org/schema/bom/1.6"
_AFTER_MODEL_CARD = ("data", "cryptoProperties", "tags")  # the elements the XML schema puts after it


def _library() -> None:
    try:
        import cyclonedx  # noqa: F401
    except ImportError:
        raise PtmError(
            "ptm sbom needs cyclonedx-python-lib: pip install 'ptmlock[sbom]'", exit_code=2
        ) from None


# bom-refs: unique in the document, the same in every run.
def model_ref(name: str) -> str:
    return f"model:{name}"


def file_ref(owner: str, path: str) -> str:
    return f"{owner}/file:{path}"


def export_ref(name: str, fmt: str) -> str:
    return f"export:{name}/{fmt}"


def node_ref(name: str) -> str:
    return f"component:{name}"


def purl(model: LockedModel) -> str:
    """The package URL of a locked model's pinned bytes."""
    from packageurl import PackageURL

    if model.hub == "huggingface" and model.repo:
        namespace, _, name = model.repo.rpartition("/")
        return PackageURL("huggingface", namespace or None, name, model.commit).to_string()
    if model.hub == "torchhub" and model.repo:
        owner, _, repo = model.repo.partition("/")
        return PackageURL("github", owner, repo, model.commit).to_string()
    qualifiers = {}
    urls = [f.url for f in model.files if f.url]
    if len(urls) == 1:
        qualifiers["download_url"] = urls[0]
        qualifiers["checksum"] = f"sha256:{model.files[0].sha256}"
    return PackageURL("generic", None, model.name, model.identity, qualifiers or None).to_string()


def build(lock: Lock, manifest: Manifest | None, project: str) -> Bom:
    """The BOM of ``lock``; ``manifest`` adds what ptm.toml says of the models (task, description, base,
    groups, edges), None when only the lock is at hand."""
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType

    from .export.records import exports_of

    bom = Bom(serial_number=_serial(lock))
    bom.metadata.timestamp = _timestamp()
    root = Component(name=project, type=ComponentType.APPLICATION, bom_ref=f"project:{project}")
    bom.metadata.component = root
    _tool(bom)
    specs = manifest.models if manifest else {}
    for name in sorted(lock.models):
        model = lock.models[name]
        bom.components.add(_model_component(model, specs.get(name)))
        for fmt, record in sorted(exports_of(model).items()):
            bom.components.add(
                Component(
                    name=f"{name} ({fmt})",
                    type=ComponentType.MACHINE_LEARNING_MODEL,
                    bom_ref=export_ref(name, fmt),
                    version=record.sha256[:12],
                    description=f"ptm export of {name} to {fmt}",
                    hashes=[HashType(alg=HashAlgorithm.SHA_256, content=record.sha256)],
                    properties=[Property(name="ptm:path", value=record.path)]
                    + [Property(name=f"ptm:tool:{k}", value=v) for k, v in sorted(record.tools.items())],
                    components=[
                        _file_component(f, file_ref(export_ref(name, fmt), f.path)) for f in record.files
                    ],
                )
            )
    for node in manifest.components.values() if manifest else ():
        bom.components.add(
            Component(
                name=node.name,
                type=ComponentType.APPLICATION,
                bom_ref=node_ref(node.name),
                description=node.description,
            )
        )
    _dependencies(bom, lock, manifest)
    return bom


def _serial(lock: Lock) -> uuid.UUID:
    pins = "".join(f"{n}\t{m.identity}\t{m.declaration_hash}\n" for n, m in sorted(lock.models.items()))
    return uuid.uuid5(_NAMESPACE, pins)


def _timestamp() -> datetime:
    """Now, or SOURCE_DATE_EPOCH (reproducible builds' variable) for a byte-identical document."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(tz=timezone.utc)


def _tool(bom: Bom) -> None:
    from cyclonedx.model.component import Component, ComponentType

    bom.metadata.tools.components.add(
        Component(name="ptmlock", version=__version__, type=ComponentType.APPLICATION)
    )


def _licences(value: str | None) -> list[Any]:
    try:
        from cyclonedx.contrib.license.factories import LicenseFactory
    except ImportError:  # cyclonedx-python-lib before 11
        from cyclonedx.factory.license import LicenseFactory

    factory = LicenseFactory()
    return [factory.make_from_string(part.strip()) for part in (value or "").split(",") if part.strip()]


def _file_component(file: LockedFile, ref: str) -> Component:
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.component import Component, ComponentType

    properties = [Property(name="ptm:size", value=str(file.size))]
    if file.url:
        properties.append(Property(name="ptm:url", value=file.url))
    return Component(
        name=file.path,
        type=ComponentType.FILE,
        bom_ref=ref,
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=file.sha256)],
        properties=properties,
    )


def _model_component(model: LockedModel, spec: Any) -> Component:
    from cyclonedx.model import Property
    from cyclonedx.model.component import Component, ComponentType, Pedigree
    from packageurl import PackageURL

    properties = [Property(name="ptm:hub", value=model.hub), Property(name="ptm:origin", value=model.origin)]
    if model.revision:
        properties.append(Property(name="ptm:revision", value=model.revision))
    if spec is not None:
        properties += [
            Property(name=f"ptm:{key}", value=str(getattr(spec, key)))
            for key in ("role", "group", "adaptation")
            if getattr(spec, key, None)
        ]
    files = [*model.files, *model.weights]
    return Component(
        name=model.name,
        type=ComponentType.MACHINE_LEARNING_MODEL,
        bom_ref=model_ref(model.name),
        version=model.identity,
        group=model.repo.rpartition("/")[0] or None if model.repo else None,
        description=getattr(spec, "description", None),
        purl=PackageURL.from_string(purl(model)),
        licenses=_licences(model.license),
        properties=properties,
        components=[_file_component(f, file_ref(model_ref(model.name), f.path)) for f in files],
        pedigree=Pedigree(notes=f"base model: {spec.base}") if getattr(spec, "base", None) else None,
    )


def _dependencies(bom: Bom, lock: Lock, manifest: Manifest | None) -> None:
    """Who depends on whom: the project on every model, an edge's target on its source, an adapter on its
    base, a model on what it was trained with, an export on its model."""
    from .export.records import exports_of

    needs: dict[str, set[str]] = {model_ref(n): set() for n in lock.models}
    if manifest:
        needs.update({node_ref(n): set() for n in manifest.components})

    def ref(name: str) -> str | None:
        return (
            model_ref(name)
            if name in lock.models
            else node_ref(name)
            if manifest and name in manifest.components
            else None
        )

    for target, source in _graph_pairs(manifest):
        if (a := ref(target)) and (b := ref(source)) and a != b:
            needs[a].add(b)
    for name, model in lock.models.items():
        for fmt in exports_of(model):
            needs[export_ref(name, fmt)] = {model_ref(name)}
    by_ref = {c.bom_ref.value: c for c in bom.components}
    root = bom.metadata.component
    assert root is not None
    bom.register_dependency(root, [by_ref[model_ref(n)] for n in sorted(lock.models)])
    for source, targets in sorted(needs.items()):
        bom.register_dependency(by_ref[source], [by_ref[t] for t in sorted(targets)])


def _graph_pairs(manifest: Manifest | None) -> Iterable[tuple[str, str]]:
    """(dependent, dependency) pairs of ptm.toml's graph."""
    if manifest is None:
        return
    for edge in manifest.edges:
        yield edge.target, edge.source
    for name, spec in manifest.models.items():
        if spec.base:
            yield name, spec.base
        for teacher in spec.trained_with:
            yield name, teacher


def model_cards(lock: Lock, manifest: Manifest | None) -> dict[str, dict[str, Any]]:
    """The modelCard of each model's component, by bom-ref: task, the datasets it was trained on, how it
    was made (a local model's provenance), what it derives from."""
    cards = {}
    for name, model in lock.models.items():
        spec = manifest.models.get(name) if manifest else None
        parameters: dict[str, Any] = {}
        if spec is not None and spec.task:
            parameters["task"] = spec.task
        provenance = dict(model.provenance)
        if "dataset" in provenance:
            parameters["datasets"] = [{"type": "dataset", "name": provenance["dataset"]}]
        properties = [{"name": f"ptm:provenance:{k}", "value": v} for k, v in sorted(provenance.items())]
        if spec is not None and spec.base:
            properties.append({"name": "ptm:base", "value": spec.base})
        if spec is not None and spec.adapter:
            properties.append({"name": "ptm:adapter", "value": spec.adapter})
        properties += [{"name": "ptm:trained_with", "value": t} for t in (spec.trained_with if spec else ())]
        card: dict[str, Any] = {}
        if parameters:
            card["modelParameters"] = parameters
        if properties:
            card["properties"] = properties
        if card:
            cards[model_ref(name)] = card
    return cards


def render(lock: Lock, manifest: Manifest | None, project: str, fmt: str) -> str:
    """The BOM as CycloneDX 1.6 JSON or XML text."""
    _library()
    from cyclonedx.output import make_outputter
    from cyclonedx.schema import OutputFormat, SchemaVersion

    bom = build(lock, manifest, project)
    output = OutputFormat.JSON if fmt == "json" else OutputFormat.XML
    text = make_outputter(bom, output, SchemaVersion.V1_6).output_as_string(indent=2)
    cards = model_cards(lock, manifest)
    return (_json_with_cards(text, cards) if fmt == "json" else _xml_with_cards(text, cards)) + "\n"


def _json_with_cards(text: str, cards: Mapping[str, dict[str, Any]]) -> str:
    data = json.loads(text)
    for component in data.get("components", []):
        if card := cards.get(component.get("bom-ref", "")):
            component["modelCard"] = card
    return json.dumps(data, indent=2, ensure_ascii=False)


def _xml_with_cards(text: str, cards: Mapping[str, dict[str, Any]]) -> str:
    ElementTree.register_namespace("", _XML_NS)
    root = ElementTree.fromstring(text)
    tag = f"{{{_XML_NS}}}"
    for component in root.iter(f"{tag}component"):
        card = cards.get(component.get("bom-ref", ""))
        if not card:
            continue
        element = _xml_card(card, tag)
        later = [i for i, child in enumerate(component) if child.tag.removeprefix(tag) in _AFTER_MODEL_CARD]
        component.insert(later[0] if later else len(component), element)
    ElementTree.indent(root, space="  ")
    return '<?xml version="1.0" ?>\n' + ElementTree.tostring(root, encoding="unicode")


def _xml_card(card: Mapping[str, Any], tag: str) -> ElementTree.Element:
    element = ElementTree.Element(f"{tag}modelCard")
    parameters = card.get("modelParameters", {})
    if parameters:
        node = ElementTree.SubElement(element, f"{tag}modelParameters")
        if "task" in parameters:
            ElementTree.SubElement(node, f"{tag}task").text = parameters["task"]
        if "datasets" in parameters:
            datasets = ElementTree.SubElement(node, f"{tag}datasets")
            for dataset in parameters["datasets"]:
                entry = ElementTree.SubElement(datasets, f"{tag}dataset")
                ElementTree.SubElement(entry, f"{tag}type").text = dataset["type"]
                ElementTree.SubElement(entry, f"{tag}name").text = dataset["name"]
    if card.get("properties"):
        node = ElementTree.SubElement(element, f"{tag}properties")
        for item in card["properties"]:
            ElementTree.SubElement(node, f"{tag}property", name=item["name"]).text = item["value"]
    return element


def output_format(path: Path | None, given: str | None) -> str:
    """json or xml: as given, else from the output file's extension, else json."""
    if given:
        return given
    if path is not None and path.suffix.lower() == ".xml":
        return "xml"
    return "json"

"""Find the model loads in one Python file by reading it: parse with ast, never import or run it.

Most files load nothing, so a byte search for the catalog's trigger words on code lines (not
comments, not doctests) decides first whether a file is worth parsing at all.
"""

from __future__ import annotations

import ast
import bisect
import functools
import io
import itertools
import json
import os
import re
import sys
import threading
import tokenize
from collections.abc import Callable, Iterable, Iterator

from . import catalog, values
from .classify import classify
from .files import read_source
from .loads import MUTABLE, UNPINNED, Classified, FileScan, Fix, Load, Uncheckable
from .values import (
    CallArgs,
    FileContext,
    ResolveRef,
    Scope,
    Value,
    bind_block,
    class_scope,
    evaluate,
    function_scope,
    source_text,
    token_lines,
)

_IGNORE = re.compile(r"#\s*ptm:\s*ignore(?:\[([A-Za-z0-9,\s]*)\])?")
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_NOT_CODE = (b"#", b">>>", b"...")
# Python ends a line at \r\n, \r or \n alike (ast counts lines so); \r\n is one line ending.
_NEWLINE = re.compile(rb"\r\n?|\n")
_INDENT = re.compile(rb"[ \t\f\v]*")
# Methods that write a model to a folder: a later load of that folder is local.
_SAVE_METHODS = frozenset({"save_pretrained", "save_model", "save", "save_lora_weights", "save_attn_procs"})
_SAVE_WORDS = tuple(f".{name}(".encode() for name in _SAVE_METHODS)
# Past this many names bound to load APIs every statement is visited: searching the file once per
# name would take hours on a generated (or hostile) file binding thousands.
_MAX_ALIASES = 64


def _line_starts(source: bytes) -> list[int]:
    """The offset of each line's first byte, then the source's length (bytes.splitlines, unlike
    str.splitlines, ends lines where Python does)."""
    return [0, *itertools.accumulate(map(len, source.splitlines(keepends=True)))]


def _code_offsets(source: bytes, token: bytes) -> Iterator[int]:
    """Where ``token`` stands on code lines (not comments, not doctests). The bytes between two
    occurrences are searched for a line ending once, and a line's indent read once: a (hostile) line
    repeating the token is not read again for each occurrence."""
    line_start, first, searched = 0, -1, 0
    at = source.find(token)
    while at >= 0:
        newline = max(source.rfind(b"\n", searched, at), source.rfind(b"\r", searched, at))
        if newline >= 0:
            line_start, first = newline + 1, -1
        if first < 0:
            indent = _INDENT.match(source, line_start)
            assert indent is not None  # it matches everywhere, if only the empty string
            first = indent.end()
        if not any(at - first >= len(mark) and source.startswith(mark, first) for mark in _NOT_CODE):
            yield at
        searched = at
        at = source.find(token, at + len(token))


def trigger_offsets(source: bytes) -> list[int]:
    """Where trigger words stand on code lines (not comments, not doctests), sorted; empty when the
    file cannot make a load call, which spares parsing it."""
    found: set[int] = set()
    for group in catalog.TRIGGER_GROUPS:
        present = [tokens for anchor, tokens in group.tokens.items() if anchor in source]
        if not present or not group.allows(source):
            continue
        for tokens in present:
            for token in tokens:
                found.update(_code_offsets(source, token))
    return sorted(found)


def _occurrences(source: bytes, word: bytes) -> list[int]:
    found, at = [], source.find(word)
    while at >= 0:
        found.append(at)
        at = source.find(word, at + len(word))
    return found


def _alias_offsets(tree: ast.Module, source: bytes, package: str | None) -> list[int] | None:
    """Where names bound to load APIs under another name stand (``import tensorflow_hub as hub``,
    ``fetch = hf_hub_download``, a class extending one: every ``hub``, ``fetch`` and class); None when a
    star import of a model library hides which names those are, or when there are too many to search for."""
    resolver = Scope(package)
    names: set[str] = set()
    assignments: list[ast.Assign] = []
    classes: list[ast.ClassDef] = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module = resolver.absolute(node.module, node.level) if isinstance(node, ast.ImportFrom) else None
            for alias in node.names:
                if isinstance(node, ast.Import):
                    local, target = (
                        alias.asname or alias.name.split(".")[0],
                        alias.name if alias.asname else "",
                    )
                elif alias.name == "*":
                    if module and catalog.alias_matters(module):
                        return None
                    continue
                else:
                    local, target = alias.asname or alias.name, f"{module}.{alias.name}" if module else ""
                if target and local != target and catalog.alias_matters(target):
                    names.add(local)
        elif isinstance(node, ast.Assign):
            assignments.append(node)
        elif isinstance(node, ast.ClassDef):
            classes.append(node)
            stack.extend(node.body)
        elif isinstance(node, ast.stmt):
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                stack.extend(getattr(node, field, ()))
        elif isinstance(node, (ast.ExceptHandler, ast.match_case)):
            stack.extend(node.body)
    wanted = set(names)
    for assign in assignments:
        if len(wanted) > _MAX_ALIASES:
            break
        bound, value = assign.targets[0], assign.value
        if len(assign.targets) != 1 or not isinstance(bound, ast.Name):
            continue
        if isinstance(value, (ast.Name, ast.Attribute)) and _names_a_loader(value, names):
            wanted.add(bound.id)
    # A class of the file extending a load API loads as it does: `Model("large-v3")` where
    # `class Model(faster_whisper.WhisperModel)`.
    for defined in classes:
        if any(isinstance(b, (ast.Name, ast.Attribute)) and _names_a_loader(b, names) for b in defined.bases):
            wanted.add(defined.name)
    if len(wanted) > _MAX_ALIASES:
        return None
    return [at for name in wanted for at in _occurrences(source, name.encode())]


def _names_a_loader(value: ast.Name | ast.Attribute, aliases: set[str]) -> bool:
    """Whether ``x = <value>`` may make x a load API: it spells a trigger word or starts with an alias."""
    root: ast.expr = value
    while isinstance(root, ast.Attribute):
        root = root.value
    if isinstance(root, ast.Name) and root.id in aliases:
        return True
    text = source_text(value).encode()
    return any(
        t in text for group in catalog.TRIGGER_GROUPS for words in group.tokens.values() for t in words
    )


@functools.cache
def _save_call() -> re.Pattern[bytes]:
    """x.save_pretrained(folder), trainer.save_model(output_dir=folder): the folder as written."""
    methods = "|".join(sorted(_SAVE_METHODS))
    return re.compile(
        rb"\.(?:" + methods.encode() + rb")\(\s*(?:(?:save_directory|output_dir)\s*=\s*)?"
        rb"([A-Za-z_][\w.]*|\"[^\"\r\n\\]*\"|'[^'\r\n\\]*')"
    )


def _saved_folders(source: bytes) -> dict[str, tuple[int, int]]:
    """The folders a file saves models to, each as the name, a.b attribute or literal string
    written, with the line where it is first saved. Read from the bytes: the file is not walked again."""
    saved: dict[str, tuple[int, int]] = {}
    line, searched = 1, 0
    for match in _save_call().finditer(source):
        line += source.count(b"\n", searched, match.start())
        searched = match.start()
        folder = match.group(1).decode("utf-8", "replace")
        saved.setdefault(folder.strip("\"'") if folder[0] in "\"'" else folder, (line, 0))
    return saved


@functools.lru_cache(maxsize=4096)
def _package_of_folder(folder: str) -> str | None:
    names = []
    # A loop, not recursion: packages can nest deeper than Python's recursion limit.
    while (
        os.path.isfile(os.path.join(folder, "__init__.py")) and (parent := os.path.dirname(folder)) != folder
    ):
        names.append(os.path.basename(folder))
        folder = parent
    return ".".join(reversed(names)) or None


def package_of(path: str) -> str | None:
    """The dotted package a file belongs to (folders with __init__.py), for its relative imports."""
    return _package_of_folder(os.path.dirname(os.path.abspath(path)))


def scan_file(path: str, root: str) -> FileScan:
    """Read and scan one file; ``root`` is the project, where relative model paths are looked for on
    disk (and next to the file), whose other modules constants are imported from, and out of which
    symlinks are not followed."""
    try:
        source = read_source(path, root)
    except Uncheckable as why:
        return FileScan.failed(path, why)
    from .constants import project_modules

    package = package_of(path)
    resolve = project_modules(root).resolver(path, package)
    return scan_source(source, path, package, _exists_under(root, os.path.dirname(path)), resolve)


def _exists_under(*folders: str) -> Callable[[str], bool]:
    def exists(text: str) -> bool:
        return "\0" not in text and any(os.path.exists(os.path.join(folder, text)) for folder in folders)

    return exists


# Python 3.10 turns the parser's tree into objects by C recursion with no depth check: a long enough
# sum (1+1+...: two bytes a level) crashes the interpreter. A source that could hold such a tree is
# parsed on a thread whose stack holds the deepest tree MAX_SOURCE_BYTES can make (3.11 raises
# RecursionError instead).
_UNGUARDED_AST = sys.version_info < (3, 11)
_SHALLOW_SOURCE = 64 * 1024  # at most 32,768 levels: any main thread's stack holds them
_PARSER_STACK = 256 * 1024 * 1024


def _parse_on_deep_stack(source: bytes | str, path: str) -> ast.Module:
    outcome: list[ast.Module | BaseException] = []

    def run() -> None:
        try:
            outcome.append(ast.parse(source, filename=path))
        except BaseException as error:  # raised again in the caller's thread
            outcome.append(error)

    previous = threading.stack_size(_PARSER_STACK)
    try:
        thread = threading.Thread(target=run, name="ptm-check-parse")
        thread.start()
    except RuntimeError:  # no room for the stack (a low memory limit)
        raise Uncheckable("too large to parse safely on Python 3.10 with this memory limit") from None
    finally:
        threading.stack_size(previous)
    thread.join()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def parse(source: bytes | str, path: str) -> ast.Module:
    """ast.parse, every way it fails on a hostile file made one exception."""
    try:
        if _UNGUARDED_AST and len(source) > _SHALLOW_SOURCE:
            return _parse_on_deep_stack(source, path)
        return ast.parse(source, filename=path)
    except SyntaxError as error:  # a bad encoding too (UnicodeDecodeError is raised as one)
        raise Uncheckable(f"syntax error: {error.msg}", line=error.lineno or 1) from error
    except ValueError as error:  # NUL bytes
        raise Uncheckable(f"cannot parse: {error}") from error
    except (RecursionError, MemoryError):  # the parser's own limits on nesting
        raise Uncheckable("nested too deeply to parse") from None


def scan_source(
    source: bytes,
    path: str,
    package: str | None,
    exists: Callable[[str], bool] = lambda _: False,
    resolve: ResolveRef | None = None,
) -> FileScan:
    offsets = trigger_offsets(source)
    if not offsets:
        return FileScan(path)
    try:
        tree = parse(source, path)
        aliases = _alias_offsets(tree, source, package)
        walker = _Walker(source, path, exists, None if aliases is None else sorted({*offsets, *aliases}))
        ctx = FileContext(tree, source=source, walrus=token_lines(source, b":="), resolve_ref=resolve)
        scope = ctx.module = Scope(package, body=tree.body, ctx=ctx)
        bind_block(tree.body, scope)
        if any(word in source for word in _SAVE_WORDS):
            ctx.saved = walker.saved = _saved_folders(source)
        walker.block(tree.body, scope)
    except Uncheckable as why:
        return FileScan.failed(path, why)
    except RecursionError:  # nesting the parser took (lambdas in lambdas) can still be too deep to walk
        return FileScan(path, error="nested too deeply to check")
    return FileScan(path, tuple(sorted(walker.loads, key=lambda load: (load.line, load.column))))


class _Walker:
    """Visit the calls of a module with the scope each is in, skipping every statement and
    expression whose lines hold no trigger word or alias (most of them)."""

    def __init__(
        self, source: bytes, path: str, exists: Callable[[str], bool], marks: list[int] | None
    ) -> None:
        self.source = source
        self.path = path
        self.exists = exists
        self.marks = marks  # sorted byte offsets of trigger words and aliases; None: visit everything
        self.loads: list[Load] = []
        self.line_starts = _line_starts(source)
        self.saved: dict[str, tuple[int, int]] = {}  # folders the file saves models to, by first save
        self.at = (0, 0)  # the load being classified

    def _exists(self, text: str) -> bool:
        """A local folder: on disk, or one the file saved a model to before this load."""
        saved = self.saved.get(text)
        return (saved is not None and saved < self.at) or self.exists(text)

    def _marked(self, node: ast.AST) -> bool:
        first = getattr(node, "lineno", None)
        if first is None or self.marks is None:
            return True
        for decorator in getattr(node, "decorator_list", ()):
            first = min(first, decorator.lineno)
        start = self.line_starts[first - 1]
        end = self.line_starts[min(getattr(node, "end_lineno", None) or first, len(self.line_starts) - 1)]
        at = bisect.bisect_left(self.marks, start)
        return at < len(self.marks) and self.marks[at] < end

    def block(self, nodes: Iterable[ast.AST], scope: Scope) -> None:
        stack = list(nodes)
        while stack:
            node = stack.pop()
            if not self._marked(node):
                continue
            if isinstance(node, _FUNCTIONS):
                stack += node.decorator_list + node.args.defaults
                stack += [d for d in node.args.kw_defaults if d is not None]
                self.block(list(node.body), function_scope(node, scope))
            elif isinstance(node, ast.ClassDef):
                stack += node.decorator_list + node.bases + [k.value for k in node.keywords]
                self.block(list(node.body), class_scope(node, scope))
            elif isinstance(node, ast.Lambda):
                self.block([node.body], function_scope(node, scope))
            elif isinstance(node, _COMPREHENSIONS):
                inner = scope.child(immediate=True)
                for generator in node.generators:
                    values.bind_items(inner, generator.target, generator.iter)
                self.block(list(ast.iter_child_nodes(node)), inner)
            else:
                if isinstance(node, ast.Call):
                    self.call(node, scope)
                stack.extend(ast.iter_child_nodes(node))

    def call(self, node: ast.Call, scope: Scope) -> None:
        func = node.func
        if not isinstance(func, (ast.Attribute, ast.Name)):
            return
        callee = evaluate(func, scope)
        if callee.kind in (values.REF, values.OBJECT):
            qualname = callee.data
        elif isinstance(func, ast.Attribute) and callee.kind == values.DYNAMIC:
            qualname = f"{catalog.UNKNOWN}.{func.attr}"
        else:
            return
        api = catalog.match(qualname)
        if api is None:
            return
        # Only a load's own arguments are traced into the project's other modules.
        scope.ctx.tracing = True
        try:
            args = CallArgs(node, scope)
            self.at = (node.lineno, node.col_offset)
            pin = classify(api, args, qualname.rsplit(".", 1)[-1], self._exists)
            # A load that takes one of several ids or revisions cannot be pinned by one commit.
            varied = any(value is not None and value.many for value in _traced(api, args))
        finally:
            scope.ctx.tracing = False
        if pin is None:
            return
        line, column = self._position(node.lineno, node.col_offset)
        end_line, end_column = self._position(node.end_lineno or node.lineno, node.end_col_offset or 0)
        self.loads.append(
            Load(
                path=self.path,
                line=line,
                column=column,
                end_line=end_line,
                end_column=end_column,
                call=_call_text(node, api, args),
                api=api.name,
                hub=api.hub,
                pin=pin,
                ignores=self._ignores(line, end_line),
                fix=None if varied else self._fix(node, api, args, pin),
            )
        )

    def _offset(self, line: int, byte_column: int) -> int:
        return self.line_starts[line - 1] + byte_column

    def _line(self, line: int) -> bytes:
        """The line's bytes, without its line ending."""
        return self.source[self.line_starts[line - 1] : self.line_starts[line]].rstrip(b"\r\n")

    def _char_column(self, line: int, byte_column: int) -> int:
        """0-based; ast counts columns in UTF-8 bytes, tokenize in characters."""
        return len(self._line(line)[:byte_column].decode("utf-8", "replace"))

    def _byte_offset(self, line: int, char_column: int) -> int:
        return self._offset(line, len(self._line(line).decode("utf-8", "replace")[:char_column].encode()))

    def _position(self, line: int, byte_column: int) -> tuple[int, int]:
        """1-based line and character column."""
        return line, self._char_column(line, byte_column) + 1

    @functools.cached_property
    def _tokens(self) -> list[tokenize.TokenInfo] | None:
        """The file's tokens, read only when a suppression needs them; None when the tokenizer
        refuses what the parser took."""
        # readline splits at \n only; with every line ending made one, tokens count lines as ast does
        # (columns within a line are unchanged).
        source = _NEWLINE.sub(b"\n", self.source)
        try:
            return list(tokenize.tokenize(io.BytesIO(source).readline))
        except (tokenize.TokenError, SyntaxError):
            return None

    @functools.cached_property
    def _suppressed(self) -> dict[int, frozenset[str]]:
        """The codes each line's comment silences ("*": all). Only comments count, not a string
        that spells one, so the file is tokenized, but only when it may hold such a comment."""
        found: dict[int, frozenset[str]] = {}
        if b"ptm:" not in self.source:
            return found
        for token in self._tokens or ():
            if token.type != tokenize.COMMENT:
                continue
            codes: set[str] = set()
            for match in _IGNORE.finditer(token.string):
                listed = match.group(1)
                codes.update(
                    ["*"] if listed is None else (c.strip().upper() for c in listed.split(",") if c.strip())
                )
            if codes:
                found[token.start[0]] = frozenset(codes)
        return found

    def _ignores(self, first: int, last: int) -> frozenset[str]:
        return self._suppressed.get(first, frozenset()) | self._suppressed.get(last, frozenset())

    def _after(self, node: ast.expr | ast.keyword, call: ast.Call) -> int:
        """Where a keyword goes after an argument: past the parentheses around it (its node ends
        inside them), before a trailing comma or comment. Between an argument and the call's ")"
        stand only parentheses, commas, blanks and comments, so the bytes are read, not tokenized."""
        at = self._offset(node.end_lineno or node.lineno, node.end_col_offset or 0)
        close = self._offset(call.end_lineno or call.lineno, call.end_col_offset or 0) - 1  # the call's ")"
        index = at
        while index < close:
            byte = self.source[index]
            if byte == ord("#"):
                ends = [e for e in (self.source.find(b"\n", index), self.source.find(b"\r", index)) if e >= 0]
                index = min(ends, default=close)
                continue
            if byte == ord(")"):
                at = index + 1
            index += 1
        return at

    def _fix(self, node: ast.Call, api: catalog.LoadApi, args: CallArgs, pin: Classified) -> Fix | None:
        """Where a locked commit goes: over the revision literal, or as a keyword after the last argument."""
        if not api.revision or pin.repo is None or pin.state not in (UNPINNED, MUTABLE) or pin.dynamic:
            return None
        keyword = api.revision[0]
        explicit = next((args.explicit[k] for k in api.revision if k in args.explicit), None)
        if explicit is not None:
            value = explicit.value
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                return None
            start = self._offset(value.lineno, value.col_offset)
            end = self._offset(value.end_lineno or value.lineno, value.end_col_offset or 0)
            return Fix(start, end, '"{commit}"')
        if args.opaque or any(k in args.keywords for k in api.revision):
            return None
        parts: list[ast.expr | ast.keyword] = [*node.args, *node.keywords]
        if not parts:
            at = self._offset(node.end_lineno or node.lineno, node.end_col_offset or 0) - 1  # before ")"
            return Fix(at, at, f'{keyword}="{{commit}}"')
        last = max(parts, key=lambda p: (p.end_lineno or 0, p.end_col_offset or 0))
        after = self._after(last, node)
        return Fix(after, after, f', {keyword}="{{commit}}"')


def _traced(api: catalog.LoadApi, args: CallArgs) -> Iterator[Value | None]:
    """The values of a load's model and revision arguments."""
    if api.model is not None:
        yield args.value(api.model.position, api.model.keywords)
    if api.revision:
        yield args.value(None, api.revision)


def _call_text(node: ast.Call, api: catalog.LoadApi, args: CallArgs) -> str:
    """The call as a reader recognises it: the callee and the model argument, the rest elided."""
    callee = source_text(node.func, 60)
    shown, before = "", False
    if api.model is not None:
        keyword = next((k for k in api.model.keywords if k in args.explicit), None)
        if keyword is not None:
            shown = f"{keyword}={_expr_text(args.explicit[keyword].value)}"
        elif api.model.position is not None and api.model.position < len(args.positional):
            shown = _expr_text(args.positional[api.model.position])
            before = api.model.position > 0
    after = len(node.args) + len(node.keywords) > (1 + before if shown else 0)
    parts = [p for p in ("..." if before else "", shown, "..." if after else "") if p]
    return f"{callee}({', '.join(parts)})"


def _expr_text(expr: ast.expr) -> str:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return json.dumps(expr.value)
    return source_text(expr, 50)

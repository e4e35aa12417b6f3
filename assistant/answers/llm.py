"""Language-model generators: an OpenAI-compatible endpoint (through langchain) and SmolLM2 in-process.

Both are prompted from ``prompts/generator.yaml`` with the style and only the retrieved passages of the best
article; they cite exactly the passages they were given. Their drafts go through the answer checks before
anything is shown.

>>> from assistant.settings import Settings
>>> prompts = load_generator_prompts(Settings().prompts_dir)
>>> sorted(prompts.sections)
['plain', 'standard', 'technical']
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from pydantic import ConfigDict, Field, model_validator

from assistant.answers.base import DraftStream, GenerationRequest, citation_for, top_passages
from assistant.answers.composer import ComposerBackend, FocusSelection
from assistant.answers.kbview import GLOSSARY_SECTION, SECTIONS
from assistant.errors import GenerationError, ModelUnavailableError, PromptError
from assistant.integrations.local_lm import LocalChatModel, shared_local_model
from assistant.integrations.openai_chat import OpenAIChatClient
from assistant.prompts import PromptFile, load_prompt_file, render, template_fields
from assistant.settings import Settings
from assistant.types import Draft, Length, Passage, Register, Tone

GENERATOR_FILE = "generator.yaml"
_KNOWN_SECTIONS = {*SECTIONS, GLOSSARY_SECTION}
_FIELDS = {
    "system": {"bank", "tone", "register", "target_grade", "length", "offers", "focus"},
    "user": {"query", "passages"},
    "passage": {"title", "section", "text"},
    "local_user": {"passages", "query", "register"},
}


class GeneratorPrompts(PromptFile):
    """``prompts/generator.yaml`` (its ``register`` table is ``register_`` here; BaseModel owns the name)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    bank: str
    system: str
    user: str
    passage: str
    tone: dict[Tone, str]
    register_: dict[Register, str] = Field(alias="register")
    length: dict[Length, str]
    focus: dict[Register, str]
    focused_section: str = Field(min_length=1)
    offers: dict[str, str]
    sections: dict[Register, list[str]]
    local_user: str
    local_register: dict[Register, str]
    local_sections: dict[Register, list[str]]

    @model_validator(mode="after")
    def _check(self) -> GeneratorPrompts:
        for name, allowed in _FIELDS.items():
            extra = template_fields(getattr(self, name)) - allowed
            if extra:
                raise ValueError(f"{name}: unknown template variable(s) {sorted(extra)}")
        for key in ("allowed", "forbidden"):
            if key not in self.offers:
                raise ValueError(f"offers.{key} is missing")
        for table in (self.sections, self.local_sections):
            for register in ("plain", "standard", "technical"):
                names = table.get(register)  # type: ignore[call-overload]
                if not names or set(names) - _KNOWN_SECTIONS:
                    raise ValueError(f"sections for {register} missing or unknown: {names}")
        missing_registers = {"plain", "standard", "technical"} - set(self.register_) - set(self.local_register)
        if missing_registers or set(self.register_) != set(self.local_register):
            raise ValueError("register and local_register need plain, standard and technical")
        for mapping, keys in (
            (self.tone, ("empathetic", "warm", "neutral")),
            (self.length, ("short", "medium", "long")),
            (self.focus, ("plain", "standard", "technical")),
        ):
            missing = set(keys) - set(mapping)
            if missing:
                raise ValueError(f"missing entries {sorted(missing)}")
        return self


@lru_cache(maxsize=8)
def _load_cached(path: Path, mtime_ns: int) -> GeneratorPrompts:
    return load_prompt_file(path, GeneratorPrompts)


def load_generator_prompts(prompts_dir: Path) -> GeneratorPrompts:
    """Load and validate ``generator.yaml`` (cached until it changes)."""
    path = Path(prompts_dir) / GENERATOR_FILE
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError as exc:
        raise PromptError(f"generator prompt not found: {path}") from exc
    return _load_cached(path, mtime)


def focused_text(selection: FocusSelection) -> str:
    """The focused sentences as the model sees them: the lead first (with the second figure a two-part question
    asks), then the rest in article order."""
    lines = [selection.lead.candidate.intro, selection.lead.candidate.text]
    if selection.pair is not None:
        lines += [selection.pair.candidate.intro, selection.pair.candidate.text]
    for ranked in selection.rest:
        lines += [ranked.candidate.intro, ranked.candidate.text]
    return "\n".join(dict.fromkeys(line for line in lines if line))


def build_messages(
    prompts: GeneratorPrompts,
    request: GenerationRequest,
    local: bool = False,
    selection: FocusSelection | None = None,
) -> tuple[list[tuple[str, str]], list[Passage]]:
    """The chat messages for ``request`` and the passages they contain (the draft's citations). With a focused
    ``selection`` (the composer's), the model sees those sentences (plus the glossary where the register's
    ``sections`` list it) and cites the sections they come from; without one, the register's whole sections."""
    style = request.style
    sections = (prompts.local_sections if local else prompts.sections)[style.register]
    by_section = {p.section: p for p in top_passages(request.retrieval)}
    if selection is not None:
        first = selection.passages[0]
        blocks = [
            render(prompts.passage, title=first.title, section=prompts.focused_section, text=focused_text(selection))
        ]
        used = list(selection.passages)
        glossary = by_section.get(GLOSSARY_SECTION)
        if GLOSSARY_SECTION in sections and glossary is not None:
            blocks.append(render(prompts.passage, title=glossary.title, section=glossary.section, text=glossary.text))
            used.append(glossary)
        passages = "\n\n".join(blocks)
    else:
        used = [by_section[s] for s in sections if s in by_section]
        if not used:
            raise GenerationError("no passages of the top article to generate from")
        passages = "\n\n".join(render(prompts.passage, title=p.title, section=p.section, text=p.text) for p in used)
    if local:
        register = prompts.local_register[style.register]
        user = render(prompts.local_user, passages=passages, query=request.query, register=register)
        return [("human", user)], used
    system = render(
        prompts.system,
        bank=prompts.bank,
        tone=prompts.tone[style.tone],
        register=prompts.register_[style.register],
        target_grade=f"{style.target_grade:g}",
        length=prompts.length[style.length],
        offers=prompts.offers["allowed" if style.allow_offers else "forbidden"],
        focus=prompts.focus[style.register],
    )
    user = render(prompts.user, query=request.query, passages=passages)
    return [("system", " ".join(system.split())), ("human", user)], used


class _ChatBackend:
    name = "chat"
    _local = False

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._prompts: GeneratorPrompts | None = None
        self._focus: ComposerBackend | None = None

    @property
    def focus(self) -> ComposerBackend:
        """The composer whose question-focused selection the model is given."""
        if self._focus is None:
            self._focus = ComposerBackend(self._settings)
        return self._focus

    @property
    def prompts(self) -> GeneratorPrompts:
        if self._prompts is None:
            self._prompts = load_generator_prompts(self._settings.prompts_dir)
        return self._prompts

    def _chat(self, messages: list[tuple[str, str]], stats: dict[str, float]) -> Iterator[str]:
        raise NotImplementedError

    def stream(self, request: GenerationRequest) -> DraftStream:
        selection = self.focus.select(request) if top_passages(request.retrieval) else None
        messages, used = build_messages(self.prompts, request, local=self._local, selection=selection)
        citations = tuple(citation_for(p) for p in used)
        holder: dict[str, float] = {}

        def finish(text: str) -> Draft:
            answer = text.strip()
            if not answer:
                raise GenerationError(f"{self.name}: the model returned an empty answer")
            stream.stats.update(holder)
            return Draft(text=answer, citations=citations, generator=self.name)

        stream = DraftStream(self._chat(messages, holder), finish)
        return stream


class OpenAIBackend(_ChatBackend):
    """Any OpenAI-compatible chat endpoint at ``settings.openai_base_url`` (model ``settings.openai_model``).

    >>> from assistant.settings import Settings
    >>> OpenAIBackend(Settings()).name
    'openai'
    """

    name = "openai"

    def __init__(self, settings: Settings, client: OpenAIChatClient | None = None) -> None:
        super().__init__(settings)
        self._client = client

    @property
    def client(self) -> OpenAIChatClient:
        if self._client is None:
            s = self._settings
            self._client = OpenAIChatClient(
                base_url=s.openai_base_url,
                api_key=s.openai_api_key.get_secret_value(),
                model=s.openai_model,
                timeout_s=s.openai_timeout_s,
            )
        return self._client

    def warm_up(self) -> None:
        _ = self.prompts, self.client
        self.focus.warm_up()

    def _chat(self, messages: list[tuple[str, str]], stats: dict[str, float]) -> Iterator[str]:
        yield from self.client.stream(messages)


class LocalBackend(_ChatBackend):
    """SmolLM2-135M-Instruct in-process on CPU (``settings.local_max_new_tokens`` new tokens at most).

    >>> from assistant.settings import Settings
    >>> LocalBackend(Settings()).name
    'local'
    """

    name = "local"
    _local = True

    def __init__(self, settings: Settings, model: LocalChatModel | None = None) -> None:
        super().__init__(settings)
        self._model = model

    @property
    def model(self) -> LocalChatModel:
        if self._model is None:
            self._model = shared_local_model(self._settings.local_max_new_tokens)
        return self._model

    def warm_up(self) -> None:
        _ = self.prompts
        self.focus.warm_up()
        self.model.load()

    def _chat(self, messages: list[tuple[str, str]], stats: dict[str, float]) -> Iterator[str]:
        try:
            self.model.load()
        except ModelUnavailableError as exc:
            raise GenerationError(f"local model unavailable: {exc}") from exc
        yield from self.model.stream(messages, max_new_tokens=self._settings.local_max_new_tokens, stats=stats)

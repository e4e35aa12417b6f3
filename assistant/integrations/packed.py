"""One encoder pass over a turn's texts of two kinds, each read exactly as its own pass would read it.

A conversation turn asks the encoder for two things: the message (and its reading after the topic's question), with
the shared vector and every adapter's view (``encode_multi``), and the crisis view alone of a window over the last
turns (``encode_view``). Run apart, each pays the whole per-pass cost (every layer's weights read, the modules'
Python) for a handful of tokens. :func:`encode_packed` runs both in one pass without changing a bit of either:

- each *group* (the message-pass texts; the windows) is tokenised and padded on its own, as its own pass pads it;
- the token rows of every group are stacked into one (tokens, dim) matrix for the linear layers, whose output rows do
  not depend on the other rows of the matrix (``tests/test_packed_encoder.py`` checks it here);
- attention runs per group, on that group's (batch, length) shape and with the mask its own pass uses (the model's
  own mask for the message pass, the additive mask of ``encode_view`` for windows);
- an adapter's layers run only over the rows that need its view (a text read after the topic's question needs the
  routing view, not the crisis or service views): attention and pooling are per row, so the rows kept read the same.

A linear layer over 1 to 3 rows takes another code path in the BLAS (its rows differ in the last bits from the same
rows in a larger matrix), so a group whose pass would have 3 token rows or fewer is left to the separate passes
(:func:`packable`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.integrations.encoder import PackedPass

# A pass with this many token rows or fewer multiplies through another BLAS path: not packed.
SMALL_ROWS = 3


@dataclass
class _Segment:
    """Rows ``offset`` .. ``offset + batch * length`` of the packed matrix: one group's padded (batch, length)."""

    offset: int
    batch: int
    length: int
    mask: Any  # the attention mask its own pass gives every layer (None: none)


def packable(token_rows: Sequence[int]) -> bool:
    """Whether groups of these ``batch * length`` token rows can share one packed pass bit for bit."""
    return all(rows > SMALL_ROWS for rows in token_rows if rows)


def packed_layer(layer: Any, hidden: Any, segments: Sequence[_Segment]) -> Any:
    """``layer`` (a BERT layer) over the packed rows ``hidden`` (tokens, dim): linears over all rows at once,
    attention per segment, exactly as ``BertLayer.forward`` computes it for each segment's own batch."""
    import torch
    from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS
    from transformers.models.bert.modeling_bert import eager_attention_forward

    sa = layer.attention.self
    attend = ALL_ATTENTION_FUNCTIONS.get_interface(sa.config._attn_implementation, eager_attention_forward)
    query, key, value = sa.query(hidden), sa.key(hidden), sa.value(hidden)
    parts = []
    for s in segments:
        rows = slice(s.offset, s.offset + s.batch * s.length)
        shape = (s.batch, s.length, -1, sa.attention_head_size)
        out, _ = attend(
            sa,
            query[rows].view(shape).transpose(1, 2),
            key[rows].view(shape).transpose(1, 2),
            value[rows].view(shape).transpose(1, 2),
            s.mask,
            dropout=0.0,
            scaling=sa.scaling,
        )
        parts.append(out.reshape(s.batch * s.length, -1))
    context = (torch.cat(parts) if len(parts) > 1 else parts[0]).contiguous()
    attention = layer.attention.output(context, hidden)
    return layer.output(layer.intermediate(attention), attention)


def _run(layers: Sequence[Any], hidden: Any, segments: Sequence[_Segment]) -> Any:
    for layer in layers:
        hidden = packed_layer(layer, hidden, segments)
    return hidden


def _pool(hidden: Any, segments: Sequence[tuple[_Segment, Any]]) -> list[Any]:
    """The mean-pooled, L2-normalised vector of each row of each segment (as ``mean_pool`` over its batch)."""
    from assistant.integrations.layer_adapter import mean_pool

    out = []
    for s, mask in segments:
        rows = hidden[s.offset : s.offset + s.batch * s.length].view(s.batch, s.length, -1)
        out.append(mean_pool(rows, mask))
    return out


def encode_packed(
    model: Any,
    texts: Sequence[str],
    adapters: Sequence[Any],
    wanted: Sequence[Sequence[bool]],
    windows: Sequence[str] = (),
    window_adapter: Any = None,
) -> PackedPass | None:
    """(shared vectors of ``texts``, per adapter the view of each text where ``wanted[k][i]`` else None, the
    ``window_adapter`` view of each of ``windows`` or None without windows), each bit for bit what
    ``encode_multi(texts, adapters)`` and ``encode_view(windows, window_adapter)`` give; None (nothing computed)
    where a group is too small to pack (:func:`packable`) or an adapter starts below the window's view.
    ``model``: the sentence-transformers model (every adapter binds to its transformer); ``window_adapter`` must
    be one of ``adapters`` when there are windows."""
    import torch

    from assistant.integrations.layer_adapter import additive_mask

    if not texts or (windows and (window_adapter is None or all(a is not window_adapter for a in adapters))):
        return None
    auto = model[0].auto_model
    prepare = getattr(model, "preprocess", None) or model.tokenize
    base_layers = list(auto.encoder.layer)
    msg = {k: v for k, v in prepare(list(texts)).items() if isinstance(v, torch.Tensor)}
    b1, t1 = msg["input_ids"].shape
    keep = [[i for i in range(b1) if wanted[k][i]] for k in range(len(adapters))]
    keep = [rows if not rows or len(rows) * t1 > SMALL_ROWS else list(range(b1)) for rows in keep]  # small: all rows
    shared_below = window_adapter.start_layer if windows else min((a.start_layer for a in adapters), default=0)
    if any(a.start_layer < shared_below for a in adapters):
        return None
    win: dict[str, Any] = {}
    b2 = t2 = 0
    if windows:
        win = {k: v for k, v in prepare(list(windows)).items() if isinstance(v, torch.Tensor)}
        b2, t2 = win["input_ids"].shape
    if not packable([b1 * t1, b2 * t2]):
        return None
    msg_mask = msg["attention_mask"]
    with torch.inference_mode():
        emb1 = auto.embeddings(input_ids=msg["input_ids"], token_type_ids=msg.get("token_type_ids"))
        model_mask, _ = auto._create_attention_masks(
            attention_mask=msg_mask,
            encoder_attention_mask=None,
            embedding_output=emb1,
            encoder_hidden_states=None,
            cache=None,
            position_ids=None,
        )
        s1 = _Segment(0, b1, t1, model_mask)
        segments, parts = [s1], [emb1.reshape(b1 * t1, -1)]
        if windows:
            win_mask = win["attention_mask"]
            s2 = _Segment(b1 * t1, b2, t2, additive_mask(win_mask))
            emb2 = auto.embeddings(input_ids=win["input_ids"], token_type_ids=win.get("token_type_ids"))
            segments.append(s2)
            parts.append(emb2.reshape(b2 * t2, -1))
        hidden = _run(base_layers[:shared_below], torch.cat(parts) if windows else parts[0], segments)
        window_state = hidden[b1 * t1 :] if windows else None
        msg_hidden = hidden[: b1 * t1]
        states = {shared_below: msg_hidden}  # the message pass's hidden state entering each adapter's first layer
        starts = {a.start_layer for a in adapters}
        for i in range(shared_below, len(base_layers)):
            msg_hidden = packed_layer(base_layers[i], msg_hidden, [s1])
            if i + 1 in starts:
                states[i + 1] = msg_hidden
        (shared,) = _pool(msg_hidden, [(s1, msg_mask)])
        ext = additive_mask(msg_mask)
        views: list[list[np.ndarray | None]] = []
        window_view: np.ndarray | None = None
        for adapter, rows in zip(adapters, keep, strict=True):
            start = states[adapter.start_layer]
            inputs, segs = [], []
            if rows:
                whole = len(rows) == b1
                inputs.append(start if whole else start.view(b1, t1, -1)[rows].reshape(len(rows) * t1, -1))
                segs.append((_Segment(0, len(rows), t1, ext if whole else ext[rows]), msg_mask[rows]))
            with_window = bool(windows) and adapter is window_adapter
            if with_window:
                inputs.append(window_state)
                segs.append((_Segment(len(rows) * t1, b2, t2, s2.mask), win_mask))
            row_views: list[np.ndarray | None] = [None] * b1
            if segs:
                out = _run(
                    adapter.bind(auto), torch.cat(inputs) if len(inputs) > 1 else inputs[0], [s for s, _ in segs]
                )
                pooled = _pool(out, segs)
                if rows:
                    got = pooled[0].numpy().astype(np.float32)
                    for j, i in enumerate(rows):
                        row_views[i] = got[j]
                if with_window:
                    window_view = pooled[-1].numpy().astype(np.float32)
            views.append(row_views)
    return shared.numpy().astype(np.float32), views, window_view

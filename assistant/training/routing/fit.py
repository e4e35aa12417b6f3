"""The routing model's fitting steps: the linear intent head, the MLP, the tuned branch's cosine classifier on
fixed views, the confidence calibration's logistic regression and the stratified folds they are fitted over.

:func:`assistant.training.routing.train.train_routing` calls them in order; each is seeded.

>>> data = TrainingSet(["a", "b"], np.eye(2, 4, dtype=np.float32), np.eye(2, dtype=np.float32))
>>> w, b = fit_head(data, FeatureSpec(dim=4), seed=13)
>>> w.shape, b.shape
((4, 2), (2,))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.kb.routing import FeatureSpec

L2 = 1e-5  # linear head's L2 penalty (per example); chosen on the dev split among 1e-4, 1e-5, 3e-6


@dataclass
class TrainingSet:
    texts: list[str]
    vectors: np.ndarray
    targets: np.ndarray  # (n, classes) soft labels summing to 1


def fit_head(
    data: TrainingSet, spec: FeatureSpec, *, seed: int, l2: float = 1e-4, epochs: int = 30, lr: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression (soft targets, class-balanced) by full-batch L-BFGS in torch."""
    import torch

    torch.manual_seed(seed)
    n = len(data.texts)
    r, c, v = spec.sparse_rows(data.texts)
    x_dense = torch.tensor(spec.emb_scale * data.vectors, dtype=torch.float32)
    x_sparse = torch.sparse_coo_tensor(
        torch.tensor(np.stack([r, c - spec.dim])),
        torch.tensor(v),
        (n, spec.word_buckets + spec.char_buckets),
        check_invariants=True,
    ).coalesce()
    y = torch.tensor(data.targets, dtype=torch.float32)
    counts = y.sum(0)
    class_w = torch.where(counts > 0, (counts.sum() / (len(counts) * counts.clamp(min=1))) ** 0.5, torch.zeros(1))
    row_w = (y * class_w).sum(1)
    w_dense = torch.zeros((spec.dim, y.shape[1]), requires_grad=True)
    w_sparse = torch.zeros((spec.word_buckets + spec.char_buckets, y.shape[1]), requires_grad=True)
    bias = torch.zeros(y.shape[1], requires_grad=True)
    params = [w_dense, w_sparse, bias]
    opt = torch.optim.LBFGS(params, lr=1.0, max_iter=epochs * 10, history_size=20, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        logits = x_dense @ w_dense + torch.sparse.mm(x_sparse, w_sparse) + bias
        loss = -(row_w * (y * torch.log_softmax(logits, 1)).sum(1)).sum() / row_w.sum()
        loss = loss + l2 * (w_dense.pow(2).sum() + w_sparse.pow(2).sum())
        loss.backward()
        return loss

    opt.step(closure)
    weight = torch.cat([w_dense, w_sparse]).detach().numpy()
    return weight.astype(np.float32), bias.detach().numpy().astype(np.float32)


def fit_mlp(
    data: TrainingSet,
    *,
    seed: int,
    hidden: int = 512,
    epochs: int = 25,
    batch: int = 64,
    max_lr: float = 3e-3,
    weight_decay: float = 1e-4,
    label_smoothing: float = 0.1,
) -> dict[str, np.ndarray]:
    """A one-hidden-layer MLP on the embedding (dropout, GELU, AdamW, one-cycle schedule), seeded."""
    import torch

    torch.manual_seed(seed)
    x = torch.tensor(data.vectors, dtype=torch.float32)
    y = torch.tensor(data.targets, dtype=torch.float32)
    n_classes = y.shape[1]
    net = torch.nn.Sequential(
        torch.nn.Dropout(0.1),
        torch.nn.Linear(x.shape[1], hidden),
        torch.nn.GELU(approximate="tanh"),
        torch.nn.Dropout(0.3),
        torch.nn.Linear(hidden, n_classes),
    )
    opt = torch.optim.AdamW(net.parameters(), lr=max_lr, weight_decay=weight_decay)
    steps = (len(x) + batch - 1) // batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=epochs * steps)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        net.train()
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch):
            idx = perm[i : i + batch]
            target = y[idx] * (1 - label_smoothing) + label_smoothing / n_classes
            loss = -(target * torch.log_softmax(net(x[idx]), 1)).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    first, last = net[1], net[4]
    assert isinstance(first, torch.nn.Linear) and isinstance(last, torch.nn.Linear)
    return {
        "w1": first.weight.detach().numpy().T.copy(),
        "b1": first.bias.detach().numpy().copy(),
        "w2": last.weight.detach().numpy().T.copy(),
        "b2": last.bias.detach().numpy().copy(),
    }


def fit_view_classifier(
    views: np.ndarray,
    targets: np.ndarray,
    *,
    seed: int,
    epochs: int = 30,
    batch: int = 64,
    lr: float = 1e-2,
    scale: float = 20.0,
    label_smoothing: float = 0.1,
) -> dict[str, np.ndarray]:
    """The tuned branch's cosine classifier refitted on fixed routing views (the adapter's layers stay as they
    are): ``scale * (view @ weight + bias)``, the loss and optimiser of ``fit_layer_adapter``'s head, seeded."""
    import torch

    torch.manual_seed(seed)
    x = torch.tensor(views, dtype=torch.float32)
    y = torch.tensor(targets, dtype=torch.float32)
    n_classes = y.shape[1]
    head = torch.nn.Linear(x.shape[1], n_classes)
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=0.01)
    steps = (len(x) + batch - 1) // batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps, pct_start=0.1)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch):
            idx = perm[i : i + batch]
            target = y[idx] * (1 - label_smoothing) + label_smoothing / n_classes
            loss = -(target * torch.log_softmax(scale * head(x[idx]), 1)).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return {
        "weight": head.weight.detach().numpy().T.copy().astype(np.float32),
        "bias": head.bias.detach().numpy().copy().astype(np.float32),
    }


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Binary logistic regression on standardised features (Newton); returns coef, bias, mean, std."""
    mean, std = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (p - y) + l2 * np.r_[w[:-1], 0.0]
        hess = (z * (p * (1 - p))[:, None]).T @ z + l2 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1]), mean, std


def stratified_folds(labels: Sequence[str], k: int, seed: int) -> np.ndarray:
    """Fold number (0..k-1) of each row, dealt round-robin within each label after a seeded shuffle."""
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(labels), dtype=np.int64)
    by_label: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        by_label.setdefault(lab, []).append(i)
    for lab in sorted(by_label):
        idx = np.array(by_label[lab])
        rng.shuffle(idx)
        fold[idx] = np.arange(len(idx)) % k
    return fold

"""`warrant train`: imitation of the strong-branching oracle, then rounds of expert iteration.

1. Labels: search every training (and validation) goal with the heuristic, label sampled
   nodes with the oracle (`oracle.harvest`).
2. Imitation: train the network on those labels for `epochs` epochs.
3. Expert iteration, `rounds` times: search the training goals with the current network,
   label the nodes *its* searches visit with the oracle, add them to the data set (so the
   network learns to act on the states it actually reaches), retrain for `round_epochs`.
4. Save the final checkpoint (safetensors + JSON config, with the run's history).

Each finished stage is saved in `<out>.work/` (labels as .npz, weights, state.json), and a
rerun of the same command resumes after the last finished stage. Seeds fix the sampled
nodes, the initialisation and the minibatch order.
"""
from __future__ import annotations

import copy
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from dsl.errors import InputError
from prover.policy import checkpoint
from prover.policy.spec import PolicySpec
from prover.policy.net import PolicyConfig, PolicyNet
from prover.policy.dataset import attach_graphs, batches, concat, to_arrays  # noqa: F401 (tests use them from here)


@dataclass(frozen=True)
class TrainConfig:
    corpus: str                      # corpus directory (goals.jsonl, manifest.json)
    out: str                         # checkpoint stem: <out>.safetensors + <out>.json
    epochs: int = 20                 # imitation epochs
    rounds: int = 2                  # expert-iteration rounds
    round_epochs: int = 10           # retraining epochs per round
    lr: float = 2e-3
    weight_decay: float = 0.05
    batch_size: int = 128
    per_goal: int = 64               # oracle-labelled nodes per harvesting search
    node_budget: int = 1500          # per harvesting search
    time_limit: float = 6.0          # seconds per harvesting search
    seed: int = 0
    device: str = "cpu"
    max_goals: int = 0               # use at most this many training goals (0: all)


# ---- the loss and one epoch ---------------------------------------------------------------
def losses(model, graph, batch: dict) -> tuple[torch.Tensor, dict]:
    """Pointer cross-entropy + split-point MSE + value Huber; and accuracy counts."""
    logits, frac, value = model(graph)                                           # (B, V), (B, V), (B,)
    ce = F.cross_entropy(logits.masked_fill(~batch["mask"], -1e9), batch["label"])
    m = batch["mask"].float()                                                    # (B, V)
    frac_loss = ((frac - batch["fracs"]) ** 2 * m).sum() / m.sum().clamp(min=1)
    has = ~torch.isnan(batch["value"])                                           # (B,)
    v_loss = F.huber_loss(value[has], batch["value"][has]) if has.any() else logits.new_zeros(())
    top3 = logits.topk(min(3, logits.shape[1]), dim=1).indices                   # (B, 3)
    stats = {"ce": ce.item(), "frac": frac_loss.item(), "value": v_loss.item(),
             "acc": (logits.argmax(1) == batch["label"]).float().sum().item(),
             "top3": (top3 == batch["label"][:, None]).any(1).float().sum().item(), "n": len(batch["label"])}
    return ce + 4 * frac_loss + 0.2 * v_loss, stats


def run_epoch(model, data: dict, opt, cfg: TrainConfig, gen) -> dict:
    """One pass over `data`: trains when `opt` is given, else only measures."""
    model.train(opt is not None)
    total = {"loss": 0.0, "ce": 0.0, "frac": 0.0, "value": 0.0, "acc": 0.0, "top3": 0.0, "n": 0}
    start = time.perf_counter()
    with torch.set_grad_enabled(opt is not None):
        for graph, batch in batches(data, cfg.batch_size, cfg.device, gen if opt else None):
            loss, st = losses(model, graph, batch)
            if opt is not None:
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
            for k in ("ce", "frac", "value"):
                total[k] += st[k] * st["n"]
            total["loss"] += loss.item() * st["n"]
            total["acc"] += st["acc"]
            total["top3"] += st["top3"]
            total["n"] += st["n"]
    n = max(total.pop("n"), 1)
    return {**{k: round(v / n, 4) for k, v in total.items()}, "samples_per_s": round(n / (time.perf_counter() - start), 1)}


def fit(model, train: dict, val: dict | None, epochs: int, cfg: TrainConfig, stage: str, log) -> list[dict]:
    # Every epoch must take at least one optimizer step before the scheduler's step (an empty
    # data set would step the scheduler alone, which torch warns about, and learn nothing).
    assert len(train["label"]) > 0, "fit needs at least one training sample"
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, epochs))
    gen = np.random.default_rng(cfg.seed + len(stage))
    history, best, best_state = [], None, None
    for epoch in range(1, epochs + 1):
        row = {"stage": stage, "epoch": epoch, "train": run_epoch(model, train, opt, cfg, gen)}
        if val is not None and len(val["label"]):
            row["validation"] = run_epoch(model, val, None, cfg, None)
            # Early stopping on held-out domains: the training domains are few, and a network
            # that memorises them picks worse splits on domains it has not seen.
            # The policy strong-branches over the pointer's top 3, so that is the score that counts.
            score = (-row["validation"]["top3"], row["validation"]["loss"])
            if best_state is None or score < best:
                best, best_state = score, copy.deepcopy(model.state_dict())
                row["kept"] = True
        sched.step()
        history.append(row)
        log(row)
    if best_state is not None:
        model.load_state_dict(best_state)
    return history


# ---- harvesting and the stages ------------------------------------------------------------
def label_goals(goals, policy, cfg: TrainConfig, seed: int, step, executor=None) -> tuple[dict, float]:
    """Oracle labels from one search per goal with `policy` (a PolicySpec), each search a job of
    `executor` (default: in this process); and the fraction proved."""
    from prover.search.executor import InProcess
    from prover.search.jobs import DomainRef, HarvestJob, run_harvest
    from prover.search.loop import Budget
    from dsl.model import plan_str
    budget = Budget(cfg.node_budget, cfg.time_limit)
    jobs = [HarvestJob(DomainRef.of(g.domain), plan_str(g.plan), g.bound, k, policy, budget, cfg.per_goal,
                       seed * 100_003 + k) for k, g in enumerate(goals)]
    samples, proved = [], 0
    for got, verdict, _ in (executor or InProcess()).map(run_harvest, jobs):
        samples += got
        proved += verdict == "proved"
        step()
    return attach_graphs(to_arrays(samples), goals), proved / max(1, len(goals))


def _hand_labels(goals, val_goals, cfg: TrainConfig, stepper, executor, st: dict, log):
    """(training, validation) labels from the heuristic's searches; records the stage in `st`."""
    hand = PolicySpec("heuristic")
    data, frac = label_goals(goals, hand, cfg, cfg.seed, stepper("oracle labels", len(goals)), executor)
    _refuse_no_labels(data, len(goals), cfg)
    val, _ = label_goals(val_goals, hand, cfg, cfg.seed + 1, stepper("validation labels", len(val_goals)), executor)
    st["proved"].append({"round": 0, "policy": "heuristic", "proved_fraction": round(frac, 4)})
    log(st["proved"][-1])
    st["done"].append("labels")
    return data, val


def _expert_round(r: int, run, model, goals, data, val, cfg: TrainConfig, stepper, executor, st: dict, log):
    """Round `r` of expert iteration: search with the network as saved after the last stage
    (workers load it from there), add the labels of the nodes it visited, retrain, save."""
    policy = PolicySpec("learned", str(run.dir / "model"), cfg.device)
    new, frac = label_goals(goals, policy, cfg, cfg.seed + 10 * r, stepper(f"round {r} searches", len(goals)),
                            executor)
    st["proved"].append({"round": r, "policy": "learned", "proved_fraction": round(frac, 4),
                         "new_labels": int(len(new["label"]))})
    log(st["proved"][-1])
    data = concat(data, new)
    st["history"] += fit(model, data, val, cfg.round_epochs, cfg, f"round{r}", log)
    st["done"].append(f"round{r}")
    run.save(st, model, data, val)
    return data


class NoLabelsError(InputError):
    """The harvesting searches gave the oracle no node to label: training would learn nothing."""


def _refuse_no_labels(data: dict, goals: int, cfg: TrainConfig) -> None:
    if len(data["label"]):
        return
    limit = f" (--max-goals {cfg.max_goals})" if cfg.max_goals else ""
    raise NoLabelsError(f"no oracle labels from the {goals} training goal(s){limit}: every harvesting search closed "
                        f"its goal at the root, leaving no split to learn; no checkpoint was written. Train on more "
                        f"goals (a larger --max-goals, or all of them) or on a corpus with harder goals "
                        f"(`warrant corpus build` keeps the hard ones first)")


class Run:
    """The files of one resumable training run, in `<out>.work/`."""

    def __init__(self, cfg: TrainConfig):
        self.cfg = cfg
        self.dir = Path(str(checkpoint.paths(cfg.out)[0].with_suffix("")) + ".work")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.state_path = self.dir / "state.json"

    def state(self) -> dict:
        if self.state_path.is_file():
            st = json.loads(self.state_path.read_text(encoding="utf-8"))
            if st.get("config") == asdict(self.cfg):
                return st
        return {"config": asdict(self.cfg), "done": [], "history": [], "proved": []}

    def save(self, st: dict, model, data: dict, val: dict) -> None:
        checkpoint.save(model, self.dir / "model")
        np.savez_compressed(self.dir / "labels.npz", **{f"train_{k}": v for k, v in data.items() if k[0] != "_"},
                            **{f"val_{k}": v for k, v in val.items() if k[0] != "_"})
        self.state_path.write_text(json.dumps(st, indent=1) + "\n", encoding="utf-8")

    def restore(self, model, goals, val_goals) -> tuple[dict, dict]:
        from safetensors.torch import load_file
        model.load_state_dict(load_file(str(self.dir / "model.safetensors")))
        z = np.load(self.dir / "labels.npz")
        data = {k[6:]: z[k] for k in z.files if k.startswith("train_")}
        val = {k[4:]: z[k] for k in z.files if k.startswith("val_")}
        return attach_graphs(data, goals), attach_graphs(val, val_goals)


def train(cfg: TrainConfig, train_goals, val_goals, log=lambda row: None, progress=None,
          model_config: PolicyConfig = PolicyConfig(), executor=None) -> dict:
    """The whole run (resuming a finished stage when `<out>.work/` has one); returns the history.
    `progress(stage, done, total)` reports harvesting progress; the harvesting searches are jobs
    of `executor` (prover.search.executor; default: in this process)."""
    torch.manual_seed(cfg.seed)
    model = PolicyNet(model_config).to(cfg.device)
    run = Run(cfg)
    st = run.state()
    data = val = None
    goals = train_goals[: cfg.max_goals] if cfg.max_goals else train_goals
    if st["done"]:
        data, val = run.restore(model, goals, val_goals)
        log({"resumed_after": st["done"][-1]})

    def stepper(stage, total):
        count = iter(range(1, total + 1))
        return lambda: progress and progress(stage, next(count), total)

    if "labels" not in st["done"]:             # ---- oracle labels of the best hand rule's searches
        data, val = _hand_labels(goals, val_goals, cfg, stepper, executor, st, log)
        run.save(st, model, data, val)
    if "imitation" not in st["done"]:          # ---- imitation of strong branching
        st["history"] += fit(model, data, val, cfg.epochs, cfg, "imitation", log)
        st["done"].append("imitation")
        run.save(st, model, data, val)
    for r in range(1, cfg.rounds + 1):         # ---- expert iteration: label the network's own searches
        if f"round{r}" in st["done"]:
            continue
        data = _expert_round(r, run, model, goals, data, val, cfg, stepper, executor, st, log)
    meta = {"train": asdict(cfg), "labels": int(len(data["label"])), "proved": st["proved"],
            "final": st["history"][-1] if st["history"] else None}
    checkpoint.save(model, cfg.out, meta)
    return {"history": st["history"], "proved": st["proved"], "labels": meta["labels"]}

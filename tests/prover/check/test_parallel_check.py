"""The checker's leaf checks on an executor's workers (prover.check.parallel): the same report
as the sequential check on real certificates, the same rejections of mutated ones (a leaf's dual
perturbed, the claim raised past the worst case), vacuity still caught, and a split proof's
merged certificate checked on its workers."""
from __future__ import annotations

import copy
import json
from fractions import Fraction

import pytest

from dsl.load import load_domain, load_text
from dsl.plan import parse_plan
from planner.cli import main
from prover.calculus.certificate import FORMAT_VERSION
from prover.check import parallel
from prover.check.checker import CertificateRejected, VacuousCertificate, check_certificate
from prover.check.parallel import batches, on_executor
from prover.policy.spec import PolicySpec
from prover.search.distributed import verify_split
from prover.search.executor import InProcess, LocalPool
from prover.search.loop import Budget
from prover.search.verify import verify_search
from tests.prover.search.test_distributed import DRONE, goal


@pytest.fixture(scope="module")
def pool():
    p = LocalPool(2)
    yield p
    p.close()


@pytest.fixture(scope="module")
def proofs():
    """Certificates with interval, mean-value and lp leaves: smear and heuristic on a drone goal."""
    d, plan, bound = goal(0)
    out = {s: verify_search(d, plan, bound, s, Budget(20_000, 120)) for s in ("smear", "heuristic")}
    assert all(r.verdict == "proved" for r in out.values())
    return d, {s: r.certificate for s, r in out.items()}


class Recording(InProcess):
    """In-process jobs that say what they ran (as if on `workers` workers)."""

    def __init__(self, workers: int = 2):
        self.workers, self.jobs = workers, []

    def map(self, fn, jobs):
        jobs = list(jobs)
        self.jobs += [(fn, j) for j in jobs]
        return super().map(fn, jobs)


def _leaves(tree) -> list[dict]:
    out, stack = [], [tree]
    while stack:
        node = stack.pop()
        if "leaf" in node:
            out.append(node)
        stack.extend(node.get("children", []))
    return out


@pytest.mark.parametrize("strategy", ["smear", "heuristic"])
def test_the_parallel_check_reports_what_the_sequential_one_does(proofs, pool, strategy):
    d, certs = proofs
    seq = check_certificate(d, certs[strategy])
    par = check_certificate(d, certs[strategy], leaves=on_executor(pool))
    assert par == seq and sum(seq.leaves.values()) > 1


def test_every_leaf_goes_to_a_worker_in_batches_and_is_counted_once(proofs, monkeypatch):
    d, certs = proofs
    monkeypatch.setattr(parallel, "MIN_BATCH", 1)
    rec = Recording(workers=3)
    report = check_certificate(d, certs["smear"], leaves=on_executor(rec))
    shipped = [item for _, job in rec.jobs for item in job.items]
    assert len(rec.jobs) > 1 and all(fn is parallel.check_job for fn, _ in rec.jobs)
    assert len(shipped) == sum(report.leaves.values())
    assert len({where for _, _, where in shipped}) == len(shipped)


def test_batches_cover_the_items_in_order():
    items = list(range(1000))
    parts = batches(items, 2)
    assert [x for b in parts for x in b] == items and len(parts) == 2 * parallel.BATCHES_PER_WORKER
    assert batches(items[:10], 4) == [items[:10]]


def _mutate_lp_dual(cert: dict) -> dict:
    """The reward proof's first lp leaf with one dual multiplier perturbed."""
    cert = copy.deepcopy(cert)
    lp = next(n for n in _leaves(cert["proofs"]["reward"]) if n["leaf"] == "lp" and n.get("duals"))
    row = next(iter(lp["duals"]))
    lp["duals"][row] = str(Fraction(lp["duals"][row]) * 2 + 1)
    return cert


def _raise_claim(cert: dict) -> dict:
    cert = copy.deepcopy(cert)
    cert["claim"]["reward_at_least"] = str(Fraction(cert["claim"]["reward_at_least"]) + 1)
    return cert


@pytest.mark.parametrize("strategy, mutate", [("heuristic", _mutate_lp_dual), ("smear", _raise_claim),
                                               ("heuristic", _raise_claim)])
def test_a_mutated_certificate_is_rejected_in_parallel_as_it_is_sequentially(proofs, pool, strategy, mutate):
    d, certs = proofs
    bad = mutate(certs[strategy])
    with pytest.raises(CertificateRejected) as seq:
        check_certificate(d, bad)
    with pytest.raises(CertificateRejected) as par:
        check_certificate(d, bad, leaves=on_executor(pool))
    assert str(par.value).split(":")[0] == str(seq.value).split(":")[0]    # a failing node, named by its path
    assert "below the claimed" in str(par.value) or "dual" in str(par.value)


def test_a_vacuous_certificate_is_caught_when_its_leaves_are_checked_elsewhere():
    src = ("domain one\nhorizon 2\nparam p : real in [0, 1]\nstate s : real in [0, 10] init 0\n"
           "action go { s' = s + p }\nreward step = s\nassume p > 2\n")
    d = load_text(src, "one.rwd")
    infeasible = {"leaf": "infeasible"}
    cert = {"format_version": FORMAT_VERSION, "domain": {"name": d.name, "sha256": d.sha256, "horizon": 2},
            "plan": ["go", "go"], "claim": {"valid": True, "reward_at_least": "1000"},
            "proofs": {"valid": {"split": {"var": "p", "at": "1/2"}, "children": [infeasible, infeasible]},
                       "reward": infeasible}}
    rec = Recording()
    with pytest.raises(VacuousCertificate, match="no admissible scenario"):
        check_certificate(d, cert, leaves=on_executor(rec))
    assert rec.jobs, "the infeasible leaves were checked by the workers' code"


def test_check_cert_with_workers_accepts_and_rejects_like_the_plain_command(proofs, tmp_path, capsys):
    _, certs = proofs
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(certs["heuristic"]))
    bad.write_text(json.dumps(_raise_claim(certs["heuristic"])))
    assert main(["check-cert", str(DRONE), str(good), "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main(["check-cert", str(DRONE), str(good), "--json", "--workers", "2"]) == 0
    assert json.loads(capsys.readouterr().out) == plain
    assert main(["check-cert", str(DRONE), str(bad), "--workers", "2"]) == 1
    assert "below the claimed" in capsys.readouterr().err


def test_a_split_proofs_merged_certificate_is_checked_on_its_workers():
    d, plan, bound = goal(1)
    rec = Recording()
    r = verify_split(d, plan, bound, PolicySpec("smear"), Budget(20_000, 120), rec, lead_nodes=4)
    assert r.verdict == "proved"
    checks = [job for fn, job in rec.jobs if fn is parallel.check_job]
    assert checks and sum(len(j.items) for j in checks) == sum(check_certificate(d, r.certificate).leaves.values())
    plan_again = parse_plan("; ".join(checks[0].plan), load_domain(DRONE))
    assert plan_again == plan

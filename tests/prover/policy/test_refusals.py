"""Training and corpus building refuse to succeed at nothing: no checkpoint from 0 labels, no
corpus with an empty held-out split or a domain that gave no goal (exit 2, saying what to change)."""
from __future__ import annotations

import json
import warnings

import pytest

from corpus import domain_files, known_plan
from planner.cli import main

PROXY = next(p for p in domain_files() if p.stem == "proxy")
THERMO = next(p for p in domain_files() if p.stem == "thermostat")


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture()
def trivial_corpus(tmp_path):
    """One training goal whose root box closes at once: the oracle gets no node to label."""
    record = {"domain": PROXY.name, "horizon": 5, "plan": known_plan(PROXY), "bound": "-100", "worst_found": "16",
              "tightness": "1/5", "split": "train", "probe": "proved", "probe_nodes": 1}
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "goals.jsonl").write_text(json.dumps(record) + "\n")
    return tmp_path / "set"


def test_train_refuses_to_write_a_checkpoint_from_no_labels(capsys, tmp_path, trivial_corpus):
    stem = tmp_path / "ck" / "policy"
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # the lr_scheduler warning of a run without optimizer steps
        code, out, err = cli(capsys, "train", "--corpus", trivial_corpus, "--out", stem, "--epochs", "1",
                             "--rounds", "0", "--max-goals", "1")
    assert code == 2 and "no oracle labels" in err and "--max-goals" in err and "no checkpoint was written" in err
    assert not stem.with_suffix(".safetensors").exists() and not stem.with_suffix(".json").exists()


def test_a_checkpoint_trained_on_no_labels_is_refused(capsys, tmp_path, tiny_net):
    from prover.policy import checkpoint
    stem = tmp_path / "empty"
    checkpoint.save(tiny_net, stem, {"labels": 0})
    code, _, err = cli(capsys, "verify", PROXY, "--plan", known_plan(PROXY), "--bound", "0", "--strategy", "learned",
                       "--checkpoint", stem)
    assert code == 2 and "0 oracle labels" in err


def test_corpus_build_refuses_an_empty_held_out_split_before_any_work(capsys, tmp_path):
    code, _, err = cli(capsys, "corpus", "build", "--out", tmp_path / "c", "--per-domain", "1", THERMO)
    assert code == 2 and "validation split would be empty" in err and "--validation NAME" in err
    code, _, err = cli(capsys, "corpus", "build", "--out", tmp_path / "c", "--per-domain", "1", THERMO, PROXY,
                       "--validation", "thermostat")
    assert code == 2 and "test split would be empty" in err and "--test NAME" in err
    code, _, err = cli(capsys, "corpus", "build", "--out", tmp_path / "c", THERMO, "--validation", "nowhere")
    assert code == 2 and "--validation nowhere: not among the domains" in err
    assert not (tmp_path / "c").exists()


def test_corpus_build_refuses_a_domain_that_gives_no_goal(capsys, tmp_path):
    bad = tmp_path / "never_safe.rwd"
    bad.write_text("domain never_safe\nhorizon 3\nstate x : int in [0, 9] init 0\n"
                   "action a { x' = x + 1 }\nsafe x <= 0\n")
    code, _, err = cli(capsys, "corpus", "build", "--out", tmp_path / "c", "--per-domain", "1", bad, PROXY,
                       "--validation", "never_safe", "--test", "proxy", "--quiet")
    assert code == 2 and "never_safe.rwd: no goals" in err and "leave the file out" in err
    assert not (tmp_path / "c" / "goals.jsonl").exists()


def test_corpus_build_puts_named_domains_in_the_held_out_splits(capsys, tmp_path):
    code, out, _ = cli(capsys, "corpus", "build", "--out", tmp_path / "c", "--per-domain", "1", THERMO, PROXY,
                       "--validation", "thermostat", "--test", "proxy.rwd")
    assert code == 0, out
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert manifest["splits"] == {"train": [], "validation": ["thermostat.rwd"], "test": ["proxy.rwd"]}
    assert manifest["counts"]["validation"] >= 1 and manifest["counts"]["test"] >= 1

"""The lifted DAG the network reads (graph.py) and the message-passing network (net.py): the
graph matches the evaluator, outputs have the documented shapes, relabelling the DAG's
operations changes nothing, permuting the variables permutes the pointer, sizes stay small."""
from __future__ import annotations

import numpy as np

from prover.bounds.evaluation import GoalEvaluator
from prover.calculus.unroll import unroll
from prover.policy.graph import N_DYNAMIC, N_STATIC, OPS, GoalGraph

from tests.prover.policy.test_checkpoint import random_batch


def _graph(goal):
    ev = GoalEvaluator(unroll(goal.domain, goal.plan))
    return ev, GoalGraph.of(ev)


def test_the_dag_has_variables_first_operands_before_operations_and_the_evaluators_intervals(sir_goal):
    ev, g = _graph(sir_goal)
    V = len(ev.u.variables)
    assert g.n_vars == V and g.static.shape == (g.n_nodes, N_STATIC)
    assert (g.src < g.dst).all() and (g.dst >= V).all()
    assert (g.static[:V, OPS.index("input")] == 1).all()
    assert g.static[V:, OPS.index("mul")].sum() > 0, "SIR's beta * s * i products are nodes"
    reward = np.flatnonzero(g.static[:, len(OPS)])
    assert len(reward) == 1
    lo, hi = g.root_lo[None, :V], g.root_hi[None, :V]
    facts = ev.facts(lo, hi)[0]
    n_lo, n_hi, _ = g.intervals(lo, hi)
    assert n_lo[0, reward[0]] == facts.lo and n_hi[0, reward[0]] == facts.hi
    root = g.dynamic(lo, hi)[0]                                       # (N, Fd)
    assert root.shape == (g.n_nodes, N_DYNAMIC) and np.allclose(root[:, :2], 0)
    half = hi.copy()
    half[0, 0] = (lo[0, 0] + hi[0, 0]) / 2
    assert g.dynamic(lo, half)[0, 0, 0] < 0, "a halved variable is narrower than at the root"


def test_output_shapes_and_a_small_default(tiny_net):
    from prover.policy.net import PolicyConfig, PolicyNet, n_parameters
    b = random_batch(tiny_net, B=4, V=6, N=15)
    logits, frac, value = tiny_net(b)
    assert logits.shape == (4, 6) and frac.shape == (4, 6) and value.shape == (4,)
    assert np.isneginf(logits.detach().numpy()[~b.mask.numpy()]).all()
    assert ((frac > 0.09) & (frac < 0.91)).all()
    assert n_parameters(PolicyNet(PolicyConfig())) <= 300_000


def test_relabelling_operations_changes_nothing_and_permuting_variables_permutes_the_pointer(tiny_net):
    import torch
    from prover.policy.net import collate
    b = random_batch(tiny_net, seed=4, B=3, V=5, N=12)
    with torch.no_grad():
        base = [t.numpy() for t in tiny_net(b)]
    x, mask, nodes = b.x.numpy(), b.mask.numpy(), b.node_x.numpy().reshape(3, 12, -1)
    src, dst = b.src.numpy()[: len(b.src) // 3], b.dst.numpy()[: len(b.dst) // 3]
    ops = np.random.default_rng(1).permutation(np.arange(5, 12))      # relabel the operations
    relabel = np.concatenate([np.arange(5), ops])                     # new index of each old node
    inv = np.argsort(relabel)
    moved = collate(x, mask, np.ones_like(mask), [n[inv] for n in nodes], [(relabel[src], relabel[dst])] * 3)
    perm = np.array([3, 0, 4, 1, 2])                                  # and the variables
    vmap = np.concatenate([np.argsort(perm), np.arange(5, 12)])
    swapped = collate(x[:, perm], mask[:, perm], np.ones_like(mask), [n[np.argsort(vmap)] for n in nodes],
                      [(vmap[src], vmap[dst])] * 3)
    with torch.no_grad():
        a = [t.numpy() for t in tiny_net(moved)]
        p = [t.numpy() for t in tiny_net(swapped)]
    for u, v in zip(base, a):
        np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(base[0][:, perm], p[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(base[1][:, perm], p[1], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(base[2], p[2], rtol=1e-5, atol=1e-5)


def test_the_network_reads_the_graph(tiny_net):
    """Cutting every edge changes the pointer: the messages, not only the variable rows, count."""
    import torch
    b = random_batch(tiny_net, seed=2)
    cut = b._replace(src=b.src[:0], dst=b.dst[:0])
    with torch.no_grad():
        assert not torch.allclose(tiny_net(b)[0], tiny_net(cut)[0])

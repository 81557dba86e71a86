"""One iterative, memoised walker over expression DAGs.

Unrolled expressions are DAGs as deep as the horizon times the depth of one step (10,000 steps
and more): a recursive pass would overflow Python's stack long before that. `DagWalker` walks
with an explicit stack, in post-order, and memoises every node's value by identity, so each
shared node is computed once and no pass recurses in proportion to the DAG's depth.

A subclass gives one handler per node kind, named after the kind (`_Num`, `_BinOp`, ...). A
handler returns the node's value directly, or is a generator that *yields* the sub-expressions
it needs, one at a time, and receives each one's value back:

    def _BinOp(self, e):
        a = yield e.left
        b = yield e.right
        return a + b

so a handler decides what to evaluate (an `if` evaluates only the branch its condition takes;
`x ^ 3` never evaluates its constant exponent). A kind without a handler is an internal error.
"""
from __future__ import annotations

from types import GeneratorType

from dsl import ast
from dsl.errors import InternalError

_MISSING = object()


class DagWalker:
    """Post-order evaluation of expressions with a memo per node identity (see the module doc)."""

    def __init__(self):
        self.memo = ast.NodeMemo()

    def eval(self, root: ast.Expr):
        """The value of `root` (memoised, as are the values of everything it needed)."""
        memo = self.memo
        value = memo.get(root, _MISSING)
        if value is not _MISSING:
            return value
        value = self._start(root)
        if type(value) is not GeneratorType:
            return self._store(root, value)
        stack = [(root, value)]
        sent = None
        while stack:
            node, gen = stack[-1]
            try:
                need = gen.send(sent)
            except StopIteration as done:
                stack.pop()
                sent = self._store(node, done.value)
                continue
            sent = memo.get(need, _MISSING)
            if sent is _MISSING:
                started = self._start(need)
                if type(started) is GeneratorType:
                    stack.append((need, started))
                    sent = None
                else:
                    sent = self._store(need, started)
        return sent

    def _start(self, e):
        handler = getattr(self, "_" + type(e).__name__, None)
        if handler is None:
            raise InternalError(f"{type(self).__name__} has no rule for {type(e).__name__} nodes")
        return handler(e)

    def _store(self, e, value):
        value = self.finish(e, value)
        self.memo[e] = value
        return value

    def finish(self, e: ast.Expr, value):
        """A hook applied to every node's value before it is memoised (default: unchanged)."""
        return value

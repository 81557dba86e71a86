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

(`yield from each(nodes)` gives the list of several nodes' values), so a handler decides
what to evaluate (an `if` evaluates only the branch its condition takes;
`x ^ 3` never evaluates its constant exponent). A kind without a handler is an internal error.
"""
from __future__ import annotations

from types import GeneratorType

from dsl import ast
from dsl.errors import InternalError

_MISSING = object()


class DagWalker:
    """Post-order evaluation of expressions with a memo per node identity (see the module doc)."""

    _handlers: dict = {}                     # node type → handler function, per subclass

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._handlers = {t: getattr(cls, "_" + t.__name__) for t in ast.EXPR_TYPES
                         if callable(getattr(cls, "_" + t.__name__, None))}

    def __init__(self, memo: ast.NodeMemo | None = None):
        self.memo = ast.NodeMemo() if memo is None else memo     # a shared memo: shared answers

    def eval(self, root: ast.Expr):
        """The value of `root` (memoised, as are the values of everything it needed)."""
        entries = self.memo._entries         # one dict access per lookup: this loop is hot
        hit = entries.get(id(root))
        if hit is not None:
            return hit[1]
        handlers, finish, generator = self._handlers, self.finish, GeneratorType
        stack, node, sent = [], root, None
        while True:
            handler = handlers.get(type(node))
            if handler is None:
                raise InternalError(f"{type(self).__name__} has no rule for {type(node).__name__} nodes")
            value = handler(self, node)
            if type(value) is generator:
                stack.append((node, value))
                sent = None
            else:                            # a leaf: its value at once
                value = finish(node, value)
                entries[id(node)] = (node, value)
                if not stack:
                    return value
                sent = value
            while True:                      # feed values up until some handler needs a new node
                top, gen = stack[-1]
                try:
                    need = gen.send(sent)
                except StopIteration as done:
                    value = finish(top, done.value)
                    entries[id(top)] = (top, value)
                    stack.pop()
                    if not stack:
                        return value
                    sent = value
                    continue
                hit = entries.get(id(need))
                if hit is None:
                    node = need
                    break
                sent = hit[1]

    def finish(self, e: ast.Expr, value):
        """A hook applied to every node's value before it is memoised (default: unchanged)."""
        return value


def each(nodes):
    """The values of `nodes`, in order, for a handler's `yield from each(...)`."""
    values = []
    for n in nodes:
        values.append((yield n))
    return values


class Fold(DagWalker):
    """A walk that needs every child of every node, with one rule for all kinds:
    `combine(e, values of ast.children(e))`. For structural questions (which names an
    expression mentions, how many parents each node has), not for semantics."""

    def _node(self, e):
        return self.combine(e, (yield from each(ast.children(e))))

    _Num = _BoolLit = _Name = _Call = _Neg = _Not = _BinOp = _BoolOp = _Compare = _Ite = _node

    def combine(self, e: ast.Expr, values: list):
        raise NotImplementedError

"""Text → `ast.Program`: reading source files safely, the Lark LALR parse, and the AST transform.

Bad input of every kind (missing file, binary bytes, non-UTF-8, huge files, absurd nesting,
enormous numerals) ends in a `WarrantError` with one clear message, never a traceback.
"""
from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import (UnexpectedCharacters, UnexpectedEOF, UnexpectedInput,
                             UnexpectedToken, VisitError)

from dsl import ast
from dsl.errors import DslSyntaxError, InputError, diagnostic

MAX_FILE_BYTES = 1 << 20        # a reward specification is a page, not a data set
MAX_DEPTH = 200                 # nesting of expressions; keeps every recursive pass safe
MAX_NUMERAL_DIGITS = 100        # longer numerals are almost surely a mistake

_PARSER = Lark.open("grammar.lark", rel_to=__file__, parser="lalr", lexer="basic",
                    propagate_positions=True, maybe_placeholders=False)

# Terminal names → words a user knows.
_TOKEN_WORDS = {
    "NAME": "a name", "PNAME": "a primed state name like x'", "NUMBER": "a number",
    "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "LBRACE": "'{'",
    "RBRACE": "'}'", "COMMA": "','", "COLON": "':'", "EQUAL": "'='", "CMP": "a comparison",
    "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'", "CIRCUMFLEX": "'^'",
    "MIN": "a function", "MAX": "a function", "ABS": "a function", "SUM": "a function",
    "COUNT": "a function", "_DOTDOT": "'..'", "BADNUMBER": "a number", "$END": "end of file",
}
# Where all of these may come next, the parser wants an expression; say so in one word.
_EXPRESSION_START = {"NUMBER", "NAME", "LPAR", "MINUS", "TRUE", "FALSE"}


def read_source(path: str | Path) -> str:
    """The text of a .rwd file, or an `InputError` saying plainly why it cannot be read."""
    p = existing_file(path, "file", ".rwd file")
    data = read_bounded(p, MAX_FILE_BYTES, "a .rwd file")
    if b"\x00" in data:
        raise InputError(f"{p}: looks like a binary file (contains NUL bytes), not a .rwd file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(f"{p}:{line}: file is not valid UTF-8 (byte 0x{data[exc.start]:02x} "
                         f"at offset {exc.start})") from exc


def existing_file(path: str | Path, missing: str, kind: str) -> Path:
    """`path` when it names a file; else an `InputError`: `no such {missing}`, or a directory."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such {missing}")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not a {kind}")
    return p


def read_bounded(p: Path, limit: int, what: str) -> bytes:
    """At most `limit` bytes of `p`. Reads a bounded amount even from special files such as
    /dev/zero, whose size `stat` does not tell."""
    try:
        size = p.stat().st_size
        if size > limit:
            raise InputError(f"{p}: file is too large ({size / 2**20:.1f} MiB; the limit for "
                             f"{what} is {limit / 2**20:g} MiB)")
        with p.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise InputError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise InputError(f"{p}: file is too large (more than {limit / 2**20:g} MiB, the limit for {what})")
    return data


def parse_file(path: str | Path) -> ast.Program:
    """Read and parse a .rwd file."""
    return parse_text(read_source(path), str(path))


def parse_text(text: str, filename: str = "<string>") -> ast.Program:
    """Parse .rwd source text into a `Program`, or raise `DslSyntaxError`."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise InputError(f"{filename}: source is too large (limit {MAX_FILE_BYTES >> 20} MiB)")
    _check_parentheses(text, filename)
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text, filename) from None
    _check_depth(tree, text, filename)
    try:
        decls = _ToAst(text, filename).transform(tree)
    except VisitError as exc:  # lark wraps errors raised inside transformer methods
        if isinstance(exc.orig_exc, DslSyntaxError):
            raise exc.orig_exc from None
        raise
    return ast.Program(tuple(decls), filename, text)


def _syntax_error(exc: UnexpectedInput, text: str, filename: str) -> DslSyntaxError:
    line, col = exc.line, exc.column
    if isinstance(exc, UnexpectedCharacters):
        ch = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else "?"
        msg = f"unexpected character {ch!r}" + _CHARACTER_HINTS.get(ch, "")
    elif (dangling := _dangling_operator(exc, text)) is not None:
        line, col, op = dangling
        msg = f"expected an expression after '{op}'"
    elif isinstance(exc, UnexpectedToken) and exc.token.type == "$END" or isinstance(exc, UnexpectedEOF):
        msg = "unexpected end of file" + _expected(getattr(exc, "expected", ()))
        lines = text.split("\n")
        line, col = len(lines), len(lines[-1]) + 1
    elif isinstance(exc, UnexpectedToken):
        tok = exc.token
        if tok.type == "BADNUMBER":
            msg = (f"scientific notation {str(tok)!r} is not allowed; numbers are exact "
                   f"(write a decimal like 0.001 or a division like 1/1000)")
        elif tok.type == "CMP" and "PLUS" in exc.expected:
            msg = "comparisons cannot be chained: write 'a < b and b < c' instead of 'a < b < c'"
        elif tok.type == "PNAME":
            msg = f"primed name {tok} may appear only on the left of an effect"
        else:
            shown = str(tok) if len(str(tok)) <= 30 else str(tok)[:27] + "..."
            msg = f"unexpected {_describe(tok)} {shown!r}" + _expected(exc.expected)
    else:  # pragma: no cover - lark raises only the kinds above
        msg = str(exc).splitlines()[0]
    return DslSyntaxError([diagnostic(filename, text, line or 1, col or 1, msg)])


# An operator ending the text before a token (comments removed): `and` at the end of a line.
_TRAILING_OPERATOR = re.compile(r"(?<![A-Za-z0-9_])(and|or|not)\s*$|(<=|>=|==|!=|[-+*/^<>=])\s*$")


def _dangling_operator(exc: UnexpectedInput, text: str) -> tuple[int, int, str] | None:
    """(line, col, operator) when the parser wanted an operand and the last thing on an earlier
    line is an operator: the expression was left unfinished there (`requires a <= b and` followed
    by the next item), and that is where to point, not at the next line's first token."""
    expected = set(getattr(exc, "expected", ()) or ())
    tok = getattr(exc, "token", None)
    if not _EXPRESSION_START <= expected or tok is None:
        return None
    end = len(text) if tok.type == "$END" else tok.start_pos
    before = "\n".join(l.split("#", 1)[0] for l in text[:end].split("\n"))
    m = _TRAILING_OPERATOR.search(before)
    if m is None or "\n" not in before[m.start():]:
        return None             # on the same line as the token: the token itself is the error
    start = m.start(1) if m.group(1) else m.start(2)
    line = before.count("\n", 0, start) + 1
    return line, start - before.rfind("\n", 0, start), m.group(1) or m.group(2)


_CHARACTER_HINTS = {
    "'": " (a primed name x' may appear only on the left of an effect)",
    ".": " (a number has digits on both sides of its point, like 0.5)",
    ";": " (declarations and action items need no separator)",
}


def _describe(tok: Token) -> str:
    if tok.type in ("NAME", "NUMBER", "PNAME"):
        return _TOKEN_WORDS[tok.type].split(" ", 1)[1] if tok.type != "PNAME" else "primed name"
    if tok.type.isupper() and tok.type.isalpha() and str(tok).isalpha():
        return "keyword"
    return "token"


def _expected(expected) -> str:
    expected = set(expected)
    words = set()
    if _EXPRESSION_START <= expected:
        expected -= _EXPRESSION_START | {"BADNUMBER", "MIN", "MAX", "ABS", "SUM", "COUNT", "IF", "NOT"}
        words.add("an expression")
    words = sorted(words | {_TOKEN_WORDS.get(t, f"'{t.lower()}'" if t.isalpha() else t) for t in expected})
    if not words:
        return ""
    if len(words) > 8:
        return f"; expected one of {', '.join(words[:8])}, ..."
    return f"; expected {' or '.join(words) if len(words) <= 2 else 'one of ' + ', '.join(words)}"


_PAREN_OR_COMMENT = re.compile(r"#[^\n]*|[()]")


def _check_parentheses(text: str, filename: str) -> None:
    """Refuse absurdly nested parentheses before parsing: redundant ones do not deepen the tree,
    but each costs the parser a chain of reductions, and 200 levels is beyond any real formula."""
    depth = 0
    for m in _PAREN_OR_COMMENT.finditer(text):
        if m.group() == "(":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, m.start()) + 1
                col = m.start() - text.rfind("\n", 0, m.start())
                raise DslSyntaxError([diagnostic(filename, text, line, col, f"parentheses are nested too "
                                                                           f"deeply (more than {MAX_DEPTH} levels)")])
        elif m.group() == ")":
            depth = max(0, depth - 1)


def _check_depth(tree: Tree, text: str, filename: str) -> None:
    """Reject absurd nesting iteratively, before any recursive pass sees the tree. The error
    points at the start of the outermost construct holding the deep expression (a declaration's
    expression, or an item of an action), which is where a reader starts looking."""
    stack = [(tree, 0, tree)]
    while stack:
        node, depth, anchor = stack.pop()
        if depth > MAX_DEPTH:
            meta = anchor.meta
            raise DslSyntaxError([diagnostic(
                filename, text, getattr(meta, "line", 1), getattr(meta, "column", 1),
                f"expression is nested too deeply (more than {MAX_DEPTH} levels)")])
        stack.extend((c, depth + 1, c if depth < 2 else anchor) for c in node.children if isinstance(c, Tree))


def _pos_meta(meta) -> ast.Pos:
    return ast.Pos(meta.line, meta.column, meta.start_pos, meta.end_pos)


def _pos_tok(tok: Token) -> ast.Pos:
    return ast.Pos(tok.line, tok.column, tok.start_pos, tok.end_pos)


@v_args(meta=True)
class _ToAst(Transformer):
    """One method per grammar rule, each returning the AST node for that rule."""

    def __init__(self, text: str, filename: str):
        super().__init__()
        self.text, self.filename = text, filename

    def _err(self, tok: Token, msg: str) -> DslSyntaxError:
        return DslSyntaxError([diagnostic(self.filename, self.text, tok.line, tok.column, msg)])

    # -- expressions
    def number(self, meta, c):
        tok = c[0]
        if tok.type == "BADNUMBER":  # only reachable where the parser accepts a number
            raise self._err(tok, f"scientific notation {str(tok)!r} is not allowed; numbers "
                                 f"are exact (write a decimal like 0.001 or a division like 1/1000)")
        if len(tok.replace(".", "")) > MAX_NUMERAL_DIGITS:
            raise self._err(tok, f"numeral has {len(tok)} characters; the limit is "
                                 f"{MAX_NUMERAL_DIGITS} digits")
        return ast.Num(Fraction(str(tok)), _pos_tok(tok))

    def true(self, meta, c):
        return ast.BoolLit(True, _pos_meta(meta))

    def false(self, meta, c):
        return ast.BoolLit(False, _pos_meta(meta))

    def name(self, meta, c):
        return ast.Name(str(c[0]), _pos_tok(c[0]))

    def func(self, meta, c):
        return c[0]

    def call(self, meta, c):
        return ast.Call(str(c[0]), tuple(a for a in c[1:] if a is not None), _pos_meta(meta))

    def neg(self, meta, c):
        return ast.Neg(c[1], _pos_meta(meta))

    def not_op(self, meta, c):
        return ast.Not(c[0], _pos_meta(meta))

    def pow_op(self, meta, c):
        return ast.BinOp("^", c[0], c[1], _pos_meta(meta))

    def binop(self, meta, c):
        return ast.BinOp(str(c[1]), c[0], c[2], _pos_meta(meta))

    def and_op(self, meta, c):
        return ast.BoolOp("and", c[0], c[1], _pos_meta(meta))

    def or_op(self, meta, c):
        return ast.BoolOp("or", c[0], c[1], _pos_meta(meta))

    def compare(self, meta, c):
        return ast.Compare(str(c[1]), c[0], c[2], _pos_meta(meta))

    def ite(self, meta, c):
        return ast.Ite(c[0], c[1], c[2], _pos_meta(meta))

    # -- declarations
    def start(self, meta, c):
        return c

    def domain_decl(self, meta, c):
        return ast.DomainDecl(str(c[0]), _pos_tok(c[0]))

    def horizon_decl(self, meta, c):
        return ast.HorizonDecl(c[0], _pos_meta(meta))

    def discount_decl(self, meta, c):
        return ast.DiscountDecl(c[0], _pos_meta(meta))

    def const_decl(self, meta, c):
        return ast.ConstDecl(str(c[0]), c[1], _pos_tok(c[0]))

    def vtype(self, meta, c):
        return str(c[0])

    def range(self, meta, c):
        return ("range", (c[0], c[1]))

    def nominal(self, meta, c):
        return ("nominal", c[0])

    def init_value(self, meta, c):
        return ("init", c[0])

    def init_range(self, meta, c):
        return ("init_range", (c[0], c[1]))

    def _var(self, kind, c):
        parts = dict(c[2:])
        return ast.VarDecl(kind, str(c[0]), c[1], parts.get("range"), parts.get("nominal"),
                           parts.get("init"), parts.get("init_range"), _pos_tok(c[0]))

    def param_decl(self, meta, c):
        return self._var("param", c)

    def disturbance_decl(self, meta, c):
        return self._var("disturbance", c)

    def state_decl(self, meta, c):
        return self._var("state", c)

    def assume_decl(self, meta, c):
        return ast.AssumeDecl(c[0], _pos_meta(meta))

    def arglist(self, meta, c):
        return tuple(a for a in c if a is not None)

    def arg(self, meta, c):
        return ast.ArgDecl(str(c[0]), c[1], c[2], _pos_tok(c[0]))

    def requires_item(self, meta, c):
        return ast.Requires(c[0], _pos_meta(meta))

    def effect_item(self, meta, c):
        return ast.Effect(str(c[0])[:-1], c[1], _pos_tok(c[0]))

    def action_reward_item(self, meta, c):
        return ast.ActionReward(c[0], _pos_meta(meta))

    def action_decl(self, meta, c):
        args = c[1] if len(c) > 1 and isinstance(c[1], tuple) else ()
        body = tuple(x for x in c[1:] if not isinstance(x, tuple))
        return ast.ActionDecl(str(c[0]), args, body, _pos_tok(c[0]))

    def reward_decl(self, meta, c):
        return ast.RewardDecl(str(c[0]), c[1], _pos_meta(meta))

    def safe_decl(self, meta, c):
        return ast.SafeDecl(c[0], _pos_meta(meta))

"""The .rwd reward DSL: grammar, parser, AST, type checker and reference interpreter."""

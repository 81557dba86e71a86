"""Goals, claims, objectives and tactics: the proof calculus's one vocabulary."""

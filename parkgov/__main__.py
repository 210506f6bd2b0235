"""`python -m parkgov …` runs the same command line as the `parkgov` script (from a git worktree this imports its own code)."""

from parkgov.cli import main

if __name__ == "__main__":
    main()

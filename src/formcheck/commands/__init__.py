"""The command line: the parser and one module per command (analyze, live, session, eval,
record-landmarks, exercises, demo)."""

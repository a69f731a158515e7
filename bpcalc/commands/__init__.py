"""One module per command: the job a command line runs, given its parsed `Invocation`."""

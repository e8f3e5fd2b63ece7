"""`python -m screens`: the `triage` command, run by the interpreter it was installed in (how
`triage serve` starts the app for each browser, whatever is first on the PATH)."""

from screens.launch import main

main()

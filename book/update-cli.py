#!/usr/bin/env python3
"""Rewrites the ```text blocks of book/src/cli.md with the current --help
output (the test `the_cli_reference_matches_help` checks they agree).

    cargo build --release && python3 book/update-cli.py target/release/rulec
"""
import re
import subprocess
import sys
from pathlib import Path

rulec = sys.argv[1] if len(sys.argv) > 1 else "target/release/rulec"
page = Path(__file__).parent / "src" / "cli.md"
text = page.read_text()


def help_of(args):
    out = subprocess.run([rulec, *args, "--help"], capture_output=True, text=True, check=True)
    return out.stdout.rstrip()


def replace_block(text, heading, body):
    start = text.index(heading)
    open_ = text.index("```text\n", start) + len("```text\n")
    close = text.index("\n```", open_)
    return text[:open_] + body + text[close:]


text = replace_block(text, "# Reference: the command line", help_of([]))
for cmd in re.findall(r"^## rulec (\w+)$", text, re.M):
    text = replace_block(text, f"## rulec {cmd}\n", help_of([cmd]))
page.write_text(text)
print(f"updated {page}")

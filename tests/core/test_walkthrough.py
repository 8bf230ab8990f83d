"""README's curl walkthrough is docs/walkthrough.sh, verbatim, and is a valid bash script.

`make e2e` runs the script against a live server (e2e/run_walkthrough.sh), so
what README shows is what ran.
"""

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docs" / "walkthrough.sh"
MARKER = "# --- README.md shows everything below, verbatim ---\n"
# The fenced block right after this comment in README.md.
README_BLOCK = re.compile(r"<!-- docs/walkthrough\.sh -->\n```bash\n(.*?)```\n", re.S)


def shown_part(script):
    _, marker, shown = script.partition(MARKER)
    assert marker, f"{SCRIPT.name} lost its marker line"
    return shown


def test_readme_shows_the_walkthrough_script_verbatim():
    (block,) = README_BLOCK.findall((ROOT / "README.md").read_text())

    assert block == shown_part(SCRIPT.read_text())


def test_the_readme_block_is_most_of_the_script():
    # Only the shebang, the comments about the script and `set -euo pipefail` are left out.
    head = SCRIPT.read_text().partition(MARKER)[0].splitlines()
    commands = [line for line in head if line and not line.startswith("#")]

    assert commands == ["set -euo pipefail"]


def test_the_walkthrough_parses_as_bash():
    bash = shutil.which("bash")
    assert bash, "bash is needed to run the walkthrough"
    result = subprocess.run(  # noqa: S603 (a fixed command)
        [bash, "-n", str(SCRIPT)], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr


def test_the_walkthrough_is_executable():
    assert SCRIPT.stat().st_mode & 0o111

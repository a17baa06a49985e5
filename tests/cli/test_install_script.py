"""scripts/install stops with pip's own error when pip fails, and still hides pip's harmless Location warning."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A stand-in for .venv/bin/python: Python 3.11 for the version check; pip warns, then fails for the project.
FAKE_PYTHON = """#!/usr/bin/env bash
case "$*" in
  -c*) exit 0 ;;
  *"--upgrade pip"*) echo "WARNING: Location 'x' is ignored: it is either a non-existing path or lacks a file."
                     exit 0 ;;
  *"-e ."*) echo "WARNING: Location 'y' is ignored"; echo "ERROR: No matching distribution found for dnspython"
            exit "${FAKE_PIP_STATUS:-1}" ;;
esac
"""


def _install(tmp_path: Path, pip_status: int) -> subprocess.CompletedProcess[str]:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "install", tmp_path / "scripts" / "install")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, text in (("python", FAKE_PYTHON), ("abusedesk", "#!/usr/bin/env bash\necho abusedesk 0.1.0\n")):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return subprocess.run(["bash", str(tmp_path / "scripts" / "install")], capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "PYTHON": str(bin_dir / "python"),
                                           "FAKE_PIP_STATUS": str(pip_status)})


def test_a_pip_failure_fails_the_install_with_pips_error(tmp_path: Path) -> None:
    result = _install(tmp_path, pip_status=1)
    assert result.returncode == 1
    assert "ERROR: No matching distribution found for dnspython" in result.stderr
    assert "pip install -e . failed" in result.stderr
    assert "WARNING: Location" not in result.stderr + result.stdout
    assert "abusedesk 0.1.0" not in result.stdout  # it stopped before claiming success


def test_a_clean_install_hides_the_location_warning(tmp_path: Path) -> None:
    result = _install(tmp_path, pip_status=0)
    assert result.returncode == 0, result.stderr
    assert "WARNING: Location" not in result.stderr + result.stdout
    assert result.stdout.strip() == "abusedesk 0.1.0"

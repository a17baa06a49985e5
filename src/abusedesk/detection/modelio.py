"""Reading and writing shipped model files byte-for-byte reproducibly.

`np.savez` stamps the current time into the zip, so two identical trainings would give different bytes;
writing the zip ourselves with a fixed timestamp makes `abusedesk detection train` reproducible to the byte.
"""

from __future__ import annotations

import io
import os
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np

FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.save(buf, arrays[name], allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def models_dir() -> Path:
    """Shipped models, or ABUSEDESK_DETECTION_MODELS to try freshly trained ones without copying."""
    env = os.environ.get("ABUSEDESK_DETECTION_MODELS")
    return Path(env) if env else Path(str(resources.files("abusedesk.detection").joinpath("models")))


def model_path(name: str) -> Path:
    path = models_dir() / name
    if not path.exists():
        raise FileNotFoundError(f"detection model {name} not found in {path.parent}; run `abusedesk detection train`")
    return path

"""``google.colab.drive`` for the rehearsal: ``mount(mountpoint)`` makes MOUNTPOINT/MyDrive a link
to the local folder $PORTING_STANDIN_DRIVE (a new temporary folder when unset)."""

import os
import tempfile
from pathlib import Path


def mount(mountpoint: str, force_remount: bool = False, timeout_ms: int = 120000, readonly: bool = False) -> None:
    target = Path(os.environ.get("PORTING_STANDIN_DRIVE") or tempfile.mkdtemp(prefix="drive-"))
    target.mkdir(parents=True, exist_ok=True)
    my_drive = Path(mountpoint) / "MyDrive"
    my_drive.parent.mkdir(parents=True, exist_ok=True)
    if my_drive.is_symlink() and force_remount:
        my_drive.unlink()
    if not my_drive.exists():
        my_drive.symlink_to(target, target_is_directory=True)
    print(f"Mounted at {mountpoint}")


def flush_and_unmount() -> None:
    pass

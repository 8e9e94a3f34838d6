"""Every shipped model answers what it answered when the digests were recorded (before a refactoring):
a change of code that moves one output byte on real URLs fails here. Where ../shared is absent, the
check runs on data/real_urls.txt alone."""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_tool():
    spec = importlib.util.spec_from_file_location("prediction_digests", ROOT / "tools" / "prediction_digests.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_shipped_model_gives_the_recorded_outputs():
    tool = load_tool()
    recorded = json.loads(tool.DIGESTS.read_text())
    now = tool.current(tool.input_sets())
    assert len(now) >= 5
    assert tool.differences(recorded, now) == []


def test_the_check_sees_a_changed_output():
    tool = load_tool()
    recorded = {"models/x": {"a.txt": "1" * 64, "b.txt": "2" * 64}}
    assert tool.differences(recorded, {"models/x": {"a.txt": "1" * 64}}) == []  # b.txt absent here: skipped
    assert tool.differences(recorded, {"models/x": {"a.txt": "3" * 64}}) == ["models/x on a.txt: the outputs changed"]
    assert tool.differences(recorded, {}) == ["models/x: no longer shipped"]

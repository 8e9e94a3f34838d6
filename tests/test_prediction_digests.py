"""Every shipped model answers what it answered when the digests were recorded (before a refactoring):
a change of code that moves one output byte on real URLs fails here. Where ../shared is absent, the
check runs on data/real_urls.txt alone."""

import json


def test_every_shipped_model_gives_the_recorded_outputs(load_tool):
    tool = load_tool("prediction_digests")
    recorded = json.loads(tool.DIGESTS.read_text())
    now = tool.current(tool.input_sets())
    assert len(now) >= 5
    assert tool.differences(recorded, now) == []


def test_the_check_sees_a_changed_output(load_tool):
    tool = load_tool("prediction_digests")
    recorded = {"models/x": {"a.txt": "1" * 64, "b.txt": "2" * 64}}
    assert tool.differences(recorded, {"models/x": {"a.txt": "1" * 64}}) == []  # b.txt absent here: skipped
    assert tool.differences(recorded, {"models/x": {"a.txt": "3" * 64}}) == ["models/x on a.txt: the outputs changed"]
    assert tool.differences(recorded, {}) == ["models/x: no longer shipped"]

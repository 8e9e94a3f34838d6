"""tools/plot_runs.py: several training runs' curves in one plot, from their folders."""

import json


def write_run(folder, exact_matches, steps_per_epoch):
    folder.mkdir()
    (folder / "history.json").write_text(json.dumps([{"val_exact_match": value} for value in exact_matches]))
    (folder / "run.json").write_text(json.dumps({"training": {"steps_per_epoch": steps_per_epoch}}))


def test_each_run_gives_its_curve_against_steps_and_the_plot_is_written(load_tool, tmp_path, capsys):
    tool = load_tool("plot_runs")
    write_run(tmp_path / "a", [0.1, 0.5, 0.7], 200)
    write_run(tmp_path / "b", [0.2, 0.6], 800)
    assert tool.run_curve(tmp_path / "a") == ([200, 400, 600], [0.1, 0.5, 0.7])
    out = tmp_path / "curves.png"
    assert tool.main([str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "0.6000 after 1,600 steps" in capsys.readouterr().out


def test_a_folder_that_is_not_a_run_is_one_line_and_status_2(load_tool, tmp_path, capsys):
    tool = load_tool("plot_runs")
    assert tool.main([str(tmp_path), "--out", str(tmp_path / "curves.png")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and "not a training run" in error and len(error.splitlines()) == 1

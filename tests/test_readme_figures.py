"""The README's figures are its records': generated blocks equal what tools/readme_figures.py writes
from the models' metrics and evaluations and the stored notebooks, and no figure is written by hand."""


def test_the_readme_quotes_only_generated_figures_and_they_match_their_records(load_tool):
    tool = load_tool("readme_figures")
    assert tool.problems(tool.README.read_text()) == []


def test_the_check_sees_a_figure_by_hand_and_a_stale_block(load_tool):
    tool = load_tool("readme_figures")
    text = tool.README.read_text()
    assert tool.problems(text + "\nThe model gets 99.5% of real URLs.\n")
    assert tool.problems(text.replace("| exact match |", "| exact match (edited) |", 1))
    assert tool.hand_written_figures("```\nspeed: 300 URLs/s\n```\n") == []  # code blocks are commands, not claims

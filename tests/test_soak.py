"""The soak benchmark's rule for a stale read (bench/soak.py): a page must show the measure's
name from the edit being checked, or from a later edit of the same measure."""

from bench.soak import Editor


def editor(measure_count=3):
    measures = [{"slug": f"m{number}", "name_en": f"M{number}"} for number in range(measure_count)]
    soak = Editor(server=None, urls={}, measures=measures, every=1.0)
    soak.run_id = "120000"
    return soak


def test_the_edit_checked_is_shown():
    assert editor().shows_edit(b"<h3>M1 soak-120000-4</h3>", 4)


def test_a_later_edit_of_the_same_measure_is_not_stale():
    # Three measures take turns: edits 4 and 7 rename the same one.
    assert editor().shows_edit(b"<h3>M1 soak-120000-7</h3>", 4)


def test_the_name_before_the_edit_is_stale():
    assert not editor().shows_edit(b"<h3>M1 soak-120000-1</h3>", 4)
    assert not editor().shows_edit(b"<h3>M1</h3>", 4)


def test_a_later_edit_of_another_measure_does_not_hide_a_stale_name():
    assert not editor().shows_edit(b"<h3>M1 soak-120000-1</h3><h3>M2 soak-120000-5</h3>", 4)


def test_another_run_or_a_longer_number_is_not_mistaken_for_the_edit():
    assert not editor().shows_edit(b"<h3>M1 soak-110000-4</h3>", 4)
    # Edit 42 renamed another measure (42 % 3 == 0), though its token begins with edit 4's.
    assert not editor().shows_edit(b"<h3>M0 soak-120000-42</h3>", 4)

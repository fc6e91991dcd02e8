"""Who handles a complaint about the service, and its deadlines (pure rules)."""

from datetime import datetime, timezone

from advocacy.complaints import rules


def test_it_goes_to_the_advocates_manager_unless_it_is_about_them_or_there_is_none():
    advocate = {"_id": "st_ada", "manager": "st_mo"}
    assert rules.handler_for("advocate", advocate) == rules.Handler("manager", "st_mo")
    assert rules.handler_for("service", advocate) == rules.Handler("manager", "st_mo")
    assert rules.handler_for("manager", advocate) == rules.Handler("admin", None)
    assert rules.handler_for("advocate", {"_id": "st_ada"}) == rules.Handler("admin", None)
    assert rules.handler_for("service", None) == rules.Handler("admin", None)


def test_the_person_complained_about_never_handles_it():
    about_manager = {"advocate": "st_ada", "about_staff": "st_mo", "handler": {"role": "admin", "id": None}}
    assert not rules.may_handle(about_manager, "st_mo", "manager")
    assert rules.may_handle(about_manager, "st_ann", "admin")
    about_advocate = {"advocate": "st_ada", "about_staff": "st_ada", "handler": {"role": "manager", "id": "st_mo"}}
    assert rules.may_handle(about_advocate, "st_mo", "manager")
    assert not rules.may_handle(about_advocate, "st_ola", "manager")
    assert not rules.may_handle(about_advocate, "st_ada", "advocate")
    # An admin who is also the child's advocate is still the person complained about.
    assert not rules.may_handle(about_advocate, "st_ada", "admin")


def test_deadlines_skip_weekends_and_bank_holidays():
    # Thursday 24 December 2026, 16:00 in London; 25 and 28 December and 1 January are bank holidays.
    made = datetime(2026, 12, 24, 16, tzinfo=timezone.utc)
    due = rules.deadlines(made, 1, 10)
    assert due == {"acknowledge_by": datetime(2026, 12, 29, 17, tzinfo=timezone.utc),
                   "answer_by": datetime(2027, 1, 12, 17, tzinfo=timezone.utc)}
    assert rules.late(due["acknowledge_by"], None, datetime(2026, 12, 30, tzinfo=timezone.utc))
    assert not rules.late(due["acknowledge_by"], datetime(2026, 12, 29, 9, tzinfo=timezone.utc),
                          datetime(2026, 12, 30, tzinfo=timezone.utc))

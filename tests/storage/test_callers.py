"""The sender of a message read in one statement (storage/repos/callers.py) and the unit-tree queries."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.app import App
from storage.models import Role, UnitKind, utcnow
from storage.models_tickets import Ticket, TicketStatus
from storage.repos import callers, dialogs, people
from storage.repos.dialogs import Dialog

NOW = datetime(2026, 11, 23, 3, 0)


async def test_first_sender_is_created_and_then_found(app: App) -> None:
    async with app.sessionmaker() as s, s.begin():
        assert await callers.load(s, "zalo", "u1", "u1", True, NOW) is None
        identity, person = await callers.create_citizen(s, "zalo", "u1", "", "Bà Lan", private=False)
        assert identity.chat_id == "u1"  # a group chat is never stored as theirs
        assert person.role == Role.CITIZEN and person.name == "Bà Lan"
        caller = await callers.load(s, "zalo", "u1", "u1", True, NOW)
    assert caller is not None
    assert (caller.identity.id, caller.person.id) == (identity.id, person.id)
    assert caller.dialog is None and caller.may_have_claimed_ticket is False


async def test_private_message_updates_chat_and_reachability(app: App) -> None:
    async with app.sessionmaker() as s, s.begin():
        identity, _ = await callers.create_citizen(s, "telegram", "u2", "100", "Ông Ba", private=True)
        await people.mark_unreachable(s, "telegram", "100")
        in_group = await callers.load(s, "telegram", "u2", "-500", False, NOW)
        assert in_group is not None
        assert (in_group.identity.chat_id, in_group.identity.reachable) == ("100", False)
        private = await callers.load(s, "telegram", "u2", "101", True, NOW)
        assert private is not None
        assert (private.identity.chat_id, private.identity.reachable) == ("101", True)
        stored = await people.find_identity(s, "telegram", "u2")
    assert stored is not None and (stored.chat_id, stored.reachable) == ("101", True)
    assert stored.id == identity.id


async def test_open_dialog_is_read_and_an_expired_one_removed(app: App) -> None:
    async with app.sessionmaker() as s, s.begin():
        identity, _ = await callers.create_citizen(s, "console", "u3", "u3", "C", private=True)
        await dialogs.save(s, identity.id, Dialog("ghi", "start", {"n": 2}), timedelta(minutes=30))
        await dialogs.save(s, identity.id, Dialog("ghi", "count", {"n": 3}), timedelta(minutes=30))  # upsert
        caller = await callers.load(s, "console", "u3", "u3", True, utcnow())
        assert caller is not None and caller.dialog is not None
        assert (caller.dialog.step, caller.dialog.data) == ("count", {"n": 3})
        later = utcnow() + timedelta(hours=1)
        expired = await callers.load(s, "console", "u3", "u3", True, later)
        assert expired is not None and expired.dialog is None
        assert await dialogs.load(s, identity.id, utcnow()) is None  # removed


async def test_claimed_ticket_hint(demo_app: App) -> None:
    async with demo_app.sessionmaker() as s, s.begin():
        identity, _ = await callers.create_citizen(s, "console", "u4", "u4", "D", private=True)
        member = (await people.persons_with_role(s, Role.MEMBER))[0]
        s.add(Ticket(citizen_identity_id=identity.id, text="cần giúp", status=TicketStatus.OPEN))
        await s.flush()
        caller = await callers.load(s, "console", "u4", "u4", True, NOW)
        assert caller is not None and caller.may_have_claimed_ticket is False  # open, nobody owns it
        s.add(Ticket(citizen_identity_id=identity.id, text="lần hai", status=TicketStatus.CLAIMED,
                     owner_id=member.id))
        await s.flush()
        caller = await callers.load(s, "console", "u4", "u4", True, NOW)
    assert caller is not None and caller.may_have_claimed_ticket is True


async def test_role_change_is_seen_at_the_end_of_the_transaction(demo_app: App) -> None:
    async with demo_app.sessionmaker() as s, s.begin():
        identity, person = await callers.create_citizen(s, "console", "u5", "u5", "E", private=True)
        assert await callers.person_after(s, identity.id, person) is person  # nothing changed: no query
        unit = (await people.list_units(s, UnitKind.VILLAGE))[0]
        await people.set_role(s, person.id, Role.MEMBER, unit.id)
        after = await callers.person_after(s, identity.id, person)
    assert (after.role, after.unit_id) == (Role.MEMBER, unit.id)


async def test_commune_of_and_nearest_village(demo_app: App) -> None:
    async with demo_app.sessionmaker() as s:
        units = await people.list_units(s)
        team = next(u for u in units if u.kind == UnitKind.TEAM and u.parent_id is not None)
        commune = await people.commune_of(s, team.id)
        village = await people.get_unit(s, team.parent_id)  # type: ignore[arg-type]
        root = next(u for u in units if u.parent_id is None and u.id in {c.id for c in commune})
        assert {u.id for u in commune} == await people.subtree_ids(s, root.id)
        assert [u.code for u in commune] == sorted(u.code for u in commune)
        assert village is not None and village.kind == UnitKind.VILLAGE
        assert people.nearest_village(commune, team.id) == village.id
        assert people.nearest_village(commune, root.id) is None
        assert people.nearest_village(commune, None) is None

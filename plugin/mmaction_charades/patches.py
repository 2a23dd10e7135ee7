"""A record of what this package replaces in other packages.

Every replacement of another package's global (a class or module attribute,
a registry or ``sys.modules`` entry) goes through :func:`replace_attr`,
:func:`replace_item` or :func:`record`, which keep the original, so
:func:`patched` lists what is patched and why, and :func:`restore` puts the
originals back.
"""
from typing import Any, Callable, List, MutableMapping, NamedTuple

_MISSING = object()


class Patch(NamedTuple):
    """One replacement.

    Attributes:
        owner: Who made it: a compat shim's name (``'swin_train'`` ...) or
            ``'checkpoint_guard'``.
        target: The dotted name of what was replaced.
        reason: Why, in one line.
    """
    owner: str
    target: str
    reason: str


_RECORDS: List[tuple] = []  # (Patch, restore callable)


def record(owner: str, target: str, reason: str,
           restore_fn: Callable[[], None]) -> None:
    """Record a replacement made by the caller; ``restore_fn`` undoes it."""
    _RECORDS.append((Patch(owner, target, reason), restore_fn))


def replace_attr(owner: str, obj: Any, name: str, value: Any, target: str,
                 reason: str) -> None:
    """Set ``obj.name = value`` (the raw attribute, e.g. a ``staticmethod``)
    and record it; restoring puts back the attribute ``obj`` had (or deletes
    it if it was inherited), unless someone replaced ``value`` since."""
    original = vars(obj).get(name, _MISSING)
    setattr(obj, name, value)

    def restore() -> None:
        if vars(obj).get(name, _MISSING) is not value:
            return
        if original is _MISSING:
            delattr(obj, name)
        else:
            setattr(obj, name, original)

    record(owner, target, reason, restore)


def replace_item(owner: str, mapping: Callable[[], MutableMapping], key: str,
                 value: Any, target: str, reason: str) -> None:
    """Set ``mapping()[key] = value`` and record it. ``mapping`` is called
    again on restore, for registries that rebuild their dict (MMEngine's
    ``CheckpointLoader._schemes``)."""
    original = mapping().get(key, _MISSING)
    mapping()[key] = value

    def restore() -> None:
        current = mapping()
        if current.get(key, _MISSING) is not value:
            return
        if original is _MISSING:
            del current[key]
        else:
            current[key] = original

    record(owner, target, reason, restore)


def patched() -> List[Patch]:
    """Every replacement in effect, in the order they were made."""
    return [patch for patch, _ in _RECORDS]


def restore(owners: Callable[[str], bool]) -> List[Patch]:
    """Undo the replacements whose ``owner`` satisfies ``owners``, newest
    first; returns them."""
    undone = [(p, fn) for p, fn in _RECORDS if owners(p.owner)]
    for patch, restore_fn in reversed(undone):
        restore_fn()
        _RECORDS.remove((patch, restore_fn))
    return [p for p, _ in undone]

"""Every row lock the portal takes is FOR NO KEY UPDATE.

Django's foreign keys on PostgreSQL are checked at COMMIT (DEFERRABLE INITIALLY DEFERRED),
with a KEY SHARE lock on the row referred to. FOR UPDATE conflicts with that lock; FOR NO
KEY UPDATE does not. A service that held a license or a case FOR UPDATE and then waited for
an account (portal/migrations/0001_dashboard_version.py) would deadlock with any transaction
that raised that account's dashboard version and, at commit, checked a reference to the
license or the case (tests/licensing/test_concurrency.py). The portal never changes a primary
key and deletes no row it has locked, so it has no use for the stronger lock.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "cases", "concerns", "licensing", "notifications", "payments", "portal"]
_STRONG_SQL_LOCK = re.compile(r"(?<!NO KEY )\bFOR\s+UPDATE\b", re.IGNORECASE)


def _sources():
    for app in APPS:
        yield from sorted((ROOT / app).rglob("*.py"))


def _locks_without_no_key(tree: ast.AST):
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "select_for_update"
        ):
            no_key = {k.arg: k.value for k in node.keywords}.get("no_key")
            if not (isinstance(no_key, ast.Constant) and no_key.value is True):
                yield node.lineno


def _docstrings(tree: ast.AST) -> set[int]:
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def _sql_with_for_update(tree: ast.AST):
    prose = _docstrings(tree)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in prose
            and _STRONG_SQL_LOCK.search(node.value)
        ):
            yield node.lineno


def test_the_scan_finds_both_kinds_of_strong_lock_and_skips_docstrings():
    # given
    tree = ast.parse(
        '"""Locks FOR UPDATE are explained here."""\n'
        "Case.objects.select_for_update().get(pk=1)\n"
        "License.objects.select_for_update(of=('self',), no_key=False)\n"
        "SQL = 'SELECT id FROM cases_case FOR UPDATE SKIP LOCKED'\n"
        "OK = 'SELECT id FROM cases_case FOR NO KEY UPDATE'\n"
        "Case.objects.select_for_update(no_key=True)\n"
    )

    # when / then
    assert sorted(_locks_without_no_key(tree)) == [2, 3]
    assert sorted(_sql_with_for_update(tree)) == [4]


def test_every_row_lock_in_the_portal_is_no_key():
    # given
    found = []
    for path in _sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        where = path.relative_to(ROOT)
        found += [f"{where}:{line} select_for_update" for line in _locks_without_no_key(tree)]
        found += [f"{where}:{line} FOR UPDATE in SQL" for line in _sql_with_for_update(tree)]

    # then
    assert found == []

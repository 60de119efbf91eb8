"""Which offered services a search finds, in display order: the one place that holds
dialect-specific search SQL.

The matching rules are the same on every backend: a service matches when its
`search_text` (lower-cased name and category) holds every query word as a substring, in
any order (the caller lower-cases the words), or when the query is exactly its id (shown
first). Results are in the catalog's order: category position, then service position.

How the rows are found differs:

- SQLite (`_sqlite_page`): an FTS5 trigram index (migrations 012, 013) finds the
  candidates that hold trigrams covering each word of 3+ characters. Its row keys are put
  in display order at the end of each sync (`keep_in_display_order`, migration 014), so
  it hands the candidates over in that order: one query reads the first CAP + 1 matches,
  which give both the count ("more than CAP found") and the page. While the keys are not
  in order (a service added or moved since the last sync, a copied database) the index's
  candidates are read up to NARROW: a narrow search orders just those, a broad one walks
  categories and their services in display order and stops once the page and the count
  are reached, so no search reads all 50,000 services. The plain `instr` test decides in
  every case, so the index never changes what matches (words under 3 characters, which a
  trigram index cannot look up, are tested that way only).
- PostgreSQL: the same walk in display order with the same `instr` test (migration 001
  defines `instr` there) and the same CAP, without a text index (a pg_trgm index would
  need the extension, which a managed database may not allow: measured in
  docs/benchmarks-postgres.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import Database, Tx
from bot.panel.values import to_id
from bot.services.catalog_counts import OFFERED

# a trigram index can only look up a word of at least this many characters
TRIGRAM = 3
# a broad search is counted up to this many matches (30 pages of 10)
CAP = 300
# up to this many index candidates, reading them beats walking the catalog in order
NARROW = 600
_ORDER = "ORDER BY c.position, c.id, s.position, s.id"


@dataclass(frozen=True)
class Found:
    ids: list[str]  # the requested page of service ids, in display order
    total: int  # how many matched; CAP when `more`
    more: bool = False  # more than CAP matched (only `total` of them can be paged through)


async def find(db: Database, words: list[str], exact_id: str, limit: int, offset: int) -> Found:
    """One page of the services matching `words` (non-empty) or having id `exact_id`."""
    exact = None
    if to_id(exact_id) is not None:  # else no panel id can be written so: no lookup
        exact = await db.quick.fetchval(
            f"SELECT s.id FROM services s WHERE s.id = ? AND {OFFERED}", (exact_id,)
        )
    # the exact id takes the first place of the first page; the word matches follow it
    skip = 1 if exact is not None else 0
    words_offset = max(0, offset - skip)
    words_limit = limit - (skip if offset == 0 else 0)
    if db.dialect == "sqlite":
        found = await _sqlite_page(db, words, exact_id, words_limit, words_offset)
    else:
        found = await _walk(db, words, exact_id, words_limit, words_offset)
    ids = ([exact] if exact is not None and offset == 0 else []) + found.ids
    return Found(ids=ids[:limit], total=found.total + skip, more=found.more)


def _fts_trigrams(word: str) -> str:
    """What the index (trigrams, row ids only: migration 013) looks up for a word of 3+
    characters: trigrams that cover it end to end without overlapping (the last one may),
    each an FTS5 string (any character but `"` is literal inside one). Every row holding
    the word holds them; the few others that hold them fail the substring test that
    follows. Fewer trigrams, fewer lists for the index to intersect: "instagram" asks for
    ins, tag, ram instead of all seven (a search's lookup in half the time, measured)."""
    starts = list(range(0, len(word) - TRIGRAM + 1, TRIGRAM))
    if starts[-1] != len(word) - TRIGRAM:
        starts.append(len(word) - TRIGRAM)
    grams = dict.fromkeys(word[i : i + TRIGRAM] for i in starts)
    return " AND ".join('"' + gram.replace('"', '""') + '"' for gram in grams)


async def keep_in_display_order(tx: Tx) -> bool:
    """Put the SQLite search index's row keys in display order, if they are not (inside
    the sync's transaction, after its writes); True if it renumbered them. The keys are
    made negative first so that no new key meets an old one, and the index, which holds
    keys only, is rebuilt from its content table."""
    if tx.dialect != "sqlite" or await tx.fetchval("SELECT in_order FROM service_search_order"):
        return False
    await tx.execute("UPDATE service_search SET key = -key")
    await tx.execute(
        "UPDATE service_search SET key = ranked.position FROM ("
        f" SELECT s.id AS service_id, row_number() OVER ({_ORDER}) AS position"
        " FROM services s JOIN categories c ON c.id = s.category_id) AS ranked"
        " WHERE ranked.service_id = service_search.service_id"
    )
    await tx.execute("INSERT INTO service_search_fts (service_search_fts) VALUES ('rebuild')")
    await tx.execute("UPDATE service_search_order SET in_order = 1")
    return True


async def in_display_order(db: Database) -> bool:
    """Whether the SQLite search index's keys are in display order (migration 014)."""
    return bool(await db.quick.fetchval("SELECT in_order FROM service_search_order"))


async def _sqlite_page(
    db: Database, words: list[str], exact_id: str, limit: int, offset: int
) -> Found:
    indexed = [word for word in words if len(word) >= TRIGRAM]
    if indexed and await in_display_order(db):
        return await _in_index_order(db, words, indexed, exact_id, limit, offset)
    if indexed:
        # The index's candidates, tested on the index's own copy of the text (cheap rows),
        # streamed: a broad search stops after NARROW + 1 of them.
        tests = " AND ".join("instr(q.search_text, ?) > 0" for _ in words)
        rows = await db.fetchall(
            "SELECT q.service_id FROM service_search_fts f"
            " JOIN service_search q ON q.key = f.rowid"
            f" WHERE service_search_fts MATCH ? AND {tests} LIMIT ?",
            (" AND ".join(map(_fts_trigrams, indexed)), *words, NARROW + 1),
        )
        if len(rows) <= NARROW:  # narrow: order the few that are offered
            return await _among(db, [row[0] for row in rows], exact_id, limit, offset)
    return await _walk(db, words, exact_id, limit, offset)


async def _in_index_order(
    db: Database, words: list[str], indexed: list[str], exact_id: str, limit: int, offset: int
) -> Found:
    """The index's candidates in its key order, which is display order: the first CAP + 1
    offered matches, tested on the index's content rows alone (they say whether their
    service is offered: migration 014). CROSS JOIN keeps SQLite from reordering the loops,
    so LIMIT stops the index early."""
    tests = " AND ".join("instr(q.search_text, ?) > 0" for _ in words)
    rows = await db.fetchall(
        "SELECT q.service_id FROM service_search_fts f CROSS JOIN service_search q"
        " WHERE service_search_fts MATCH ? AND q.key = f.rowid AND q.offered = 1"
        f" AND {tests} AND q.service_id <> ? ORDER BY f.rowid LIMIT ?",
        (" AND ".join(map(_fts_trigrams, indexed)), *words, exact_id, CAP + 1),
    )
    return _first_matches([row[0] for row in rows], limit, offset)


def _first_matches(ids: list[str], limit: int, offset: int) -> Found:
    """The page and the count from the matches in display order (the first CAP + 1 of
    them, or more: what is past CAP only says there are more)."""
    total = min(len(ids), CAP)
    page = ids[offset : min(offset + limit, total)] if offset < total else []
    return Found(ids=page, total=total, more=len(ids) > CAP)


async def _among(
    db: Database, candidates: list[str], exact_id: str, limit: int, offset: int
) -> Found:
    """The offered services among `candidates` (at most NARROW ids), in display order."""
    if not candidates:
        return Found(ids=[], total=0)
    marks = ", ".join("?" for _ in candidates)
    rows = await db.fetchall(
        "SELECT s.id FROM services s JOIN categories c ON c.id = s.category_id"
        f" WHERE s.id IN ({marks}) AND {OFFERED} AND s.id <> ? {_ORDER}",
        (*candidates, exact_id),
    )
    return _first_matches([row[0] for row in rows], limit, offset)


async def _walk(db: Database, words: list[str], exact_id: str, limit: int, offset: int) -> Found:
    """A broad search (or one of words too short to index): categories in order (CROSS
    JOIN keeps SQLite from reordering the loops), each one's offered services through the
    partial index in order, so LIMIT stops the walk once the page or the count is reached."""
    tests = " AND ".join("instr(s.search_text, ?) > 0" for _ in words)
    # one walk reads the ids of the first CAP + 1 matches (a few kB): the count and the
    # page both come from them, where a count and then a page would walk twice
    rows = await db.fetchall(
        "SELECT s.id FROM categories c CROSS JOIN services s WHERE s.category_id = c.id"
        f" AND c.offered > 0 AND {OFFERED} AND {tests} AND s.id <> ? {_ORDER} LIMIT ?",
        (*words, exact_id, CAP + 1),
    )
    return _first_matches([row[0] for row in rows], limit, offset)

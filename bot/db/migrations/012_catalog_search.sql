-- Catalog at 50,000 services: a category list that reads kept counts, and a text index for
-- search, so neither scans every service on each press.
--
-- categories.offered: how many offered services (available, not hidden, known type) the
-- category has. Service code keeps it (catalog_counts.py) at sync time and when an operator
-- hides or shows a service; the column and its statement are portable.
ALTER TABLE categories ADD COLUMN offered INTEGER NOT NULL DEFAULT 0;
UPDATE categories SET offered = (
    SELECT COUNT(*) FROM services s
    WHERE s.category_id = categories.id
      AND s.available = 1 AND s.hidden = 0 AND s.kind IS NOT NULL
);
CREATE INDEX categories_offered ON categories (position, id) WHERE offered > 0;

-- SQLite only: the search text of every service in an FTS5 trigram index (any substring of
-- 3+ characters, any script). The index's rows need a stable integer key, and services is
-- keyed by text (its implicit rowid may change on VACUUM), so service_search holds
-- (key, service_id, search_text) and the FTS table takes its content from there. Triggers
-- keep both in step with services.search_text; service code never writes them.
CREATE TABLE service_search (
    key         INTEGER PRIMARY KEY,
    service_id  TEXT NOT NULL UNIQUE REFERENCES services (id),
    search_text TEXT NOT NULL
);
CREATE VIRTUAL TABLE service_search_fts USING fts5(
    search_text, content = 'service_search', content_rowid = 'key', tokenize = 'trigram'
);

CREATE TRIGGER service_search_ai AFTER INSERT ON service_search
BEGIN
    INSERT INTO service_search_fts (rowid, search_text) VALUES (new.key, new.search_text);
END;
CREATE TRIGGER service_search_ad AFTER DELETE ON service_search
BEGIN
    INSERT INTO service_search_fts (service_search_fts, rowid, search_text)
    VALUES ('delete', old.key, old.search_text);
END;
CREATE TRIGGER service_search_au AFTER UPDATE OF search_text ON service_search
BEGIN
    INSERT INTO service_search_fts (service_search_fts, rowid, search_text)
    VALUES ('delete', old.key, old.search_text);
    INSERT INTO service_search_fts (rowid, search_text) VALUES (new.key, new.search_text);
END;

CREATE TRIGGER services_search_ai AFTER INSERT ON services
BEGIN
    INSERT INTO service_search (service_id, search_text) VALUES (new.id, new.search_text);
END;
-- A sync rewrites every row; only a changed text touches the index.
CREATE TRIGGER services_search_au AFTER UPDATE OF search_text ON services
WHEN old.search_text IS NOT new.search_text
BEGIN
    UPDATE service_search SET search_text = new.search_text WHERE service_id = new.id;
END;
CREATE TRIGGER services_search_ad AFTER DELETE ON services
BEGIN
    DELETE FROM service_search WHERE service_id = old.id;
END;

INSERT INTO service_search (service_id, search_text) SELECT id, search_text FROM services;

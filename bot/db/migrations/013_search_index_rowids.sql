-- The search index keeps row ids only (detail=none): 1.4 MB less at 10,000 services, and
-- a lookup 25-30% faster (measured). Without positions the index cannot match a whole
-- word as a phrase: a query asks for trigrams covering each word instead, which every
-- matching row has (and some others), and catalog_search tests the real substring on the
-- candidates, as it already did for words too short for the index. The content stays in
-- service_search, kept by the same triggers; only the index itself is rebuilt.
DROP TRIGGER service_search_ai;
DROP TRIGGER service_search_ad;
DROP TRIGGER service_search_au;
DROP TABLE service_search_fts;
CREATE VIRTUAL TABLE service_search_fts USING fts5(
    search_text, content = 'service_search', content_rowid = 'key', tokenize = 'trigram',
    detail = none
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
INSERT INTO service_search_fts (service_search_fts) VALUES ('rebuild');

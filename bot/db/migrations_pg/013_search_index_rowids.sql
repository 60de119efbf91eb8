-- SQLite's search index changes (see migrations/013_search_index_rowids.sql); PostgreSQL
-- has no such index (services/catalog_search.py), so nothing changes here. The migration
-- exists so both engines share their numbers.
SELECT 1;

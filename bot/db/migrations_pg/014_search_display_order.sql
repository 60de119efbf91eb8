-- SQLite's search index in display order (see migrations/014_search_display_order.sql);
-- PostgreSQL has no such index (services/catalog_search.py), so nothing changes here. The
-- migration exists so both engines share their numbers.
SELECT 1;

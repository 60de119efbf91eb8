-- Catalog at 50,000 services (see migrations/012_catalog_search.sql): the kept count of
-- offered services per category. Search on PostgreSQL uses the portable substring match
-- (services/catalog_search.py); the FTS5 index is SQLite's.
ALTER TABLE categories ADD COLUMN offered BIGINT NOT NULL DEFAULT 0;
UPDATE categories SET offered = (
    SELECT COUNT(*) FROM services s
    WHERE s.category_id = categories.id
      AND s.available = 1 AND s.hidden = 0 AND s.kind IS NOT NULL
);
CREATE INDEX categories_offered ON categories (position, id) WHERE offered > 0;

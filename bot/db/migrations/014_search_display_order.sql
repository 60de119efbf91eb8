-- The search index's row keys can follow the catalog's display order (category position,
-- category id, service position, service id): the index then hands its matches over in
-- that order, so a search reads the first page (and its count, up to the cap) straight
-- from it, with no second query to order the candidates and no walk of the catalog.
-- catalog_search.keep_in_display_order puts the keys in order at the end of a sync;
-- `in_order` says whether they still are. Anything that can break the order (a new
-- service, a service or category moved) clears it through these triggers, and a search
-- then orders its rows as before until the next sync.
CREATE TABLE service_search_order (in_order INTEGER NOT NULL);
INSERT INTO service_search_order (in_order) VALUES (0);

CREATE TRIGGER services_order_ai AFTER INSERT ON services
BEGIN
    UPDATE service_search_order SET in_order = 0 WHERE in_order <> 0;
END;
CREATE TRIGGER services_order_au AFTER UPDATE OF position, category_id ON services
WHEN old.position IS NOT new.position OR old.category_id IS NOT new.category_id
BEGIN
    UPDATE service_search_order SET in_order = 0 WHERE in_order <> 0;
END;
CREATE TRIGGER categories_order_au AFTER UPDATE OF position ON categories
WHEN old.position IS NOT new.position
BEGIN
    UPDATE service_search_order SET in_order = 0 WHERE in_order <> 0;
END;

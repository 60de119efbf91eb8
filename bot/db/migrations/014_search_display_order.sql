-- The search index's row keys can follow the catalog's display order (category position,
-- category id, service position, service id): the index then hands its matches over in
-- that order, so a search reads the first page (and its count, up to the cap) straight
-- from it, with no second query to order the candidates and no walk of the catalog.
-- catalog_search.keep_in_display_order puts the keys in order at the end of a sync;
-- `in_order` says whether they still are. Anything that can break the order (a new
-- service, a service or category moved) clears it through these triggers, and a search
-- then orders its rows as before until the next sync.
--
-- The index's content rows also say whether their service is offered (available, not
-- hidden, of a type the bot knows: catalog_counts.OFFERED), kept by triggers: a search
-- in key order then tests its candidates on that one narrow table, without looking up
-- each one's service and category (half the time of the query at 50,000 services).
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

ALTER TABLE service_search ADD COLUMN offered INTEGER NOT NULL DEFAULT 0;
UPDATE service_search SET offered = (
    SELECT s.available = 1 AND s.hidden = 0 AND s.kind IS NOT NULL
    FROM services s WHERE s.id = service_search.service_id
);
DROP TRIGGER services_search_ai;
CREATE TRIGGER services_search_ai AFTER INSERT ON services
BEGIN
    INSERT INTO service_search (service_id, search_text, offered)
    VALUES (new.id, new.search_text,
            new.available = 1 AND new.hidden = 0 AND new.kind IS NOT NULL);
END;
CREATE TRIGGER services_offered_au AFTER UPDATE OF available, hidden, kind ON services
WHEN (old.available = 1 AND old.hidden = 0 AND old.kind IS NOT NULL)
     IS NOT (new.available = 1 AND new.hidden = 0 AND new.kind IS NOT NULL)
BEGIN
    UPDATE service_search
    SET offered = (new.available = 1 AND new.hidden = 0 AND new.kind IS NOT NULL)
    WHERE service_id = new.id;
END;

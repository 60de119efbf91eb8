-- The shop's browsing reads only offered services. This partial index holds exactly those,
-- with what category counts, category pages and search need, so they scan a small index
-- instead of table rows that carry long descriptions.
CREATE INDEX services_offered ON services (category_id, position, id, search_text)
    WHERE available = 1 AND hidden = 0 AND kind IS NOT NULL;

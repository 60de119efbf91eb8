-- The shop's browsing reads only offered services: a partial index holds exactly those.
CREATE INDEX services_offered ON services (category_id, position, id, search_text)
    WHERE available = 1 AND hidden = 0 AND kind IS NOT NULL;

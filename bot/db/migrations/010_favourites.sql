-- A customer's favourite services (the star on the service card, "Favourites" in the menu).
-- A service is never deleted (it is marked unavailable), so a favourite outlives its
-- service's disappearance from the catalog and is listed as unavailable.
CREATE TABLE favourites (
    user_id     BIGINT NOT NULL REFERENCES users (id),
    service_id  TEXT NOT NULL REFERENCES services (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, service_id)
);
CREATE INDEX favourites_user ON favourites (user_id, created_at);

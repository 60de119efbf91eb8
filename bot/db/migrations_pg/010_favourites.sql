-- A customer's favourite services (see migrations/010_favourites.sql).
CREATE TABLE favourites (
    user_id     BIGINT NOT NULL REFERENCES users (id),
    service_id  TEXT NOT NULL REFERENCES services (id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, service_id)
);
CREATE INDEX favourites_user ON favourites (user_id, created_at);

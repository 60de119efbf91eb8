-- Every status an order passes through, written by the database itself so that no code
-- path (placing, polling, refresh, operators) can change a status without a trace.
CREATE TABLE order_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    old_status  TEXT,
    new_status  TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, id);

CREATE TRIGGER orders_created AFTER INSERT ON orders
BEGIN
    INSERT INTO order_events (order_id, old_status, new_status, at)
    VALUES (NEW.id, NULL, NEW.status, NEW.created_at);
END;
CREATE TRIGGER orders_status_changed AFTER UPDATE OF status ON orders
WHEN OLD.status IS NOT NEW.status
BEGIN
    INSERT INTO order_events (order_id, old_status, new_status, at)
    VALUES (NEW.id, OLD.status, NEW.status, NEW.updated_at);
END;

-- Ids for permission and view-menu names, as FAB's security API addresses them
-- (`/security/permissions/`, `/security/resources/`). Permission-views keep the names
-- themselves (the access checks join on them); the store writes both together.
-- Also: who created and last changed each user, and a data-access permission-view for
-- every existing database and dataset, as Superset creates with the object. (`WHERE TRUE`
-- keeps SQLite from reading ON CONFLICT as a join constraint.)

CREATE TABLE ab_permission (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE ab_view_menu (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
);

ALTER TABLE ab_user ADD COLUMN created_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL;
ALTER TABLE ab_user ADD COLUMN changed_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL;

INSERT INTO ab_permission_view (permission, view_menu)
SELECT 'database_access', '[' || d.database_name || '].(id:' || d.id || ')' FROM dbs d WHERE TRUE
ON CONFLICT (permission, view_menu) DO NOTHING;

INSERT INTO ab_permission_view (permission, view_menu)
SELECT 'datasource_access', '[' || d.database_name || '].[' || t.table_name || '](id:' || t.id || ')'
FROM tables t JOIN dbs d ON d.id = t.database_id WHERE TRUE
ON CONFLICT (permission, view_menu) DO NOTHING;

INSERT INTO ab_permission (name) SELECT DISTINCT permission FROM ab_permission_view ORDER BY permission;
INSERT INTO ab_view_menu (name) SELECT DISTINCT view_menu FROM ab_permission_view ORDER BY view_menu;

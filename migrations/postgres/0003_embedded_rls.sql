-- Embedded dashboards (one configuration per dashboard, addressed by its own uuid) and
-- row-level security filters with the datasets and roles they apply to.

CREATE TABLE embedded_dashboards (
    uuid TEXT PRIMARY KEY,
    dashboard_id BIGINT NOT NULL UNIQUE REFERENCES dashboards(id) ON DELETE CASCADE,
    -- A JSON array of origins; empty means any.
    allowed_domains TEXT NOT NULL,
    created_on BIGINT NOT NULL,
    changed_on BIGINT NOT NULL,
    created_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL,
    changed_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL
);

CREATE TABLE row_level_security_filters (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    -- 'Regular' applies to members of the roles, 'Base' to everyone else.
    filter_type TEXT NOT NULL,
    group_key TEXT,
    clause TEXT NOT NULL,
    created_on BIGINT NOT NULL,
    changed_on BIGINT NOT NULL,
    created_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL,
    changed_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL
);

CREATE TABLE rls_filter_tables (
    rls_filter_id BIGINT NOT NULL REFERENCES row_level_security_filters(id) ON DELETE CASCADE,
    table_id BIGINT NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
    PRIMARY KEY (rls_filter_id, table_id)
);
CREATE INDEX rls_filter_tables_table ON rls_filter_tables (table_id);

CREATE TABLE rls_filter_roles (
    rls_filter_id BIGINT NOT NULL REFERENCES row_level_security_filters(id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES ab_role(id) ON DELETE CASCADE,
    PRIMARY KEY (rls_filter_id, role_id)
);

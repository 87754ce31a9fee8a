-- Metadata schema for the foundation: users and roles (FAB's ab_* model), databases,
-- datasets with columns and metrics, charts, dashboards, favourites.
-- Timestamps are UTC epoch microseconds (BIGINT) so both backends store and order them alike.

CREATE TABLE ab_user (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    password TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    login_count BIGINT NOT NULL DEFAULT 0,
    fail_login_count BIGINT NOT NULL DEFAULT 0,
    last_login BIGINT,
    created_on BIGINT NOT NULL,
    changed_on BIGINT NOT NULL
);

CREATE TABLE ab_role (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE ab_user_role (
    user_id BIGINT NOT NULL REFERENCES ab_user(id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES ab_role(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);

-- A permission-view ("pvm"): permission name x view-menu name, e.g. can_read x Chart.
CREATE TABLE ab_permission_view (
    id BIGSERIAL PRIMARY KEY,
    permission TEXT NOT NULL,
    view_menu TEXT NOT NULL,
    UNIQUE (permission, view_menu)
);

CREATE TABLE ab_permission_view_role (
    permission_view_id BIGINT NOT NULL REFERENCES ab_permission_view(id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES ab_role(id) ON DELETE CASCADE,
    PRIMARY KEY (permission_view_id, role_id)
);

CREATE TABLE dbs (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    database_name TEXT NOT NULL UNIQUE,
    -- The URI as shown to users: its password is replaced by the mask.
    sqlalchemy_uri TEXT NOT NULL,
    -- The real password, kept server-side only and never serialised.
    password TEXT,
    cache_timeout BIGINT,
    expose_in_sqllab BOOLEAN NOT NULL DEFAULT TRUE,
    allow_run_async BOOLEAN NOT NULL DEFAULT FALSE,
    allow_file_upload BOOLEAN NOT NULL DEFAULT FALSE,
    allow_ctas BOOLEAN NOT NULL DEFAULT FALSE,
    allow_cvas BOOLEAN NOT NULL DEFAULT FALSE,
    allow_dml BOOLEAN NOT NULL DEFAULT FALSE,
    force_ctas_schema TEXT,
    configuration_method TEXT NOT NULL DEFAULT 'sqlalchemy_form',
    impersonate_user BOOLEAN NOT NULL DEFAULT FALSE,
    extra TEXT,
    encrypted_extra TEXT,
    server_cert TEXT,
    is_managed_externally BOOLEAN NOT NULL DEFAULT FALSE,
    external_url TEXT,
    created_on BIGINT NOT NULL,
    changed_on BIGINT NOT NULL,
    created_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL,
    changed_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL
);

CREATE TABLE tables (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    table_name TEXT NOT NULL,
    database_id BIGINT NOT NULL REFERENCES dbs(id),
    catalog TEXT,
    schema TEXT,
    sql TEXT,
    description TEXT,
    main_dttm_col TEXT,
    default_endpoint TEXT,
    "offset" BIGINT NOT NULL DEFAULT 0,
    cache_timeout BIGINT,
    is_sqllab_view BOOLEAN NOT NULL DEFAULT FALSE,
    template_params TEXT,
    params TEXT,
    extra TEXT,
    filter_select_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    fetch_values_predicate TEXT,
    normalize_columns BOOLEAN NOT NULL DEFAULT FALSE,
    always_filter_main_dttm BOOLEAN NOT NULL DEFAULT FALSE,
    is_managed_externally BOOLEAN NOT NULL DEFAULT FALSE,
    external_url TEXT,
    created_on BIGINT NOT NULL,
    changed_on BIGINT NOT NULL,
    created_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL,
    changed_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL
);
-- Superset's uniqueness rule for datasets: one per (database, catalog, schema, table).
CREATE UNIQUE INDEX tables_identity ON tables (database_id, COALESCE(catalog, ''), COALESCE(schema, ''), table_name);

CREATE TABLE table_columns (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    table_id BIGINT NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
    column_name TEXT NOT NULL,
    verbose_name TEXT,
    type TEXT,
    is_dttm BOOLEAN NOT NULL DEFAULT FALSE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    groupby BOOLEAN NOT NULL DEFAULT TRUE,
    filterable BOOLEAN NOT NULL DEFAULT TRUE,
    expression TEXT,
    description TEXT,
    python_date_format TEXT,
    advanced_data_type TEXT,
    extra TEXT,
    created_on BIGINT NOT NULL,
    changed_on BIGINT NOT NULL,
    UNIQUE (table_id, column_name)
);

CREATE TABLE sql_metrics (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    table_id BIGINT NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
    metric_name TEXT NOT NULL,
    verbose_name TEXT,
    metric_type TEXT,
    expression TEXT NOT NULL,
    description TEXT,
    d3format TEXT,
    currency TEXT,
    warning_text TEXT,
    extra TEXT,
    created_on BIGINT NOT NULL,
    changed_on BIGINT NOT NULL,
    UNIQUE (table_id, metric_name)
);

CREATE TABLE sqlatable_user (
    table_id BIGINT NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES ab_user(id) ON DELETE CASCADE,
    PRIMARY KEY (table_id, user_id)
);

-- Charts keep datasource_id without a foreign key: Superset lets a dataset be deleted
-- while charts still point at it (the chart survives with a dangling datasource).
CREATE TABLE slices (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    slice_name TEXT NOT NULL,
    viz_type TEXT,
    datasource_id BIGINT,
    datasource_type TEXT,
    datasource_name TEXT,
    params TEXT,
    query_context TEXT,
    description TEXT,
    cache_timeout BIGINT,
    certified_by TEXT,
    certification_details TEXT,
    is_managed_externally BOOLEAN NOT NULL DEFAULT FALSE,
    external_url TEXT,
    last_saved_at BIGINT,
    last_saved_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL,
    created_on BIGINT NOT NULL,
    changed_on BIGINT NOT NULL,
    created_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL,
    changed_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL
);
CREATE INDEX slices_changed_on ON slices (changed_on);
CREATE INDEX slices_datasource ON slices (datasource_id);

CREATE TABLE slice_user (
    slice_id BIGINT NOT NULL REFERENCES slices(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES ab_user(id) ON DELETE CASCADE,
    PRIMARY KEY (slice_id, user_id)
);

CREATE TABLE dashboards (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    dashboard_title TEXT,
    slug TEXT UNIQUE,
    position_json TEXT,
    json_metadata TEXT,
    css TEXT,
    description TEXT,
    published BOOLEAN NOT NULL DEFAULT FALSE,
    certified_by TEXT,
    certification_details TEXT,
    is_managed_externally BOOLEAN NOT NULL DEFAULT FALSE,
    external_url TEXT,
    created_on BIGINT NOT NULL,
    changed_on BIGINT NOT NULL,
    created_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL,
    changed_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL
);
CREATE INDEX dashboards_changed_on ON dashboards (changed_on);

CREATE TABLE dashboard_user (
    dashboard_id BIGINT NOT NULL REFERENCES dashboards(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES ab_user(id) ON DELETE CASCADE,
    PRIMARY KEY (dashboard_id, user_id)
);

CREATE TABLE dashboard_roles (
    dashboard_id BIGINT NOT NULL REFERENCES dashboards(id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES ab_role(id) ON DELETE CASCADE,
    PRIMARY KEY (dashboard_id, role_id)
);

CREATE TABLE dashboard_slices (
    dashboard_id BIGINT NOT NULL REFERENCES dashboards(id) ON DELETE CASCADE,
    slice_id BIGINT NOT NULL REFERENCES slices(id) ON DELETE CASCADE,
    PRIMARY KEY (dashboard_id, slice_id)
);
CREATE INDEX dashboard_slices_slice ON dashboard_slices (slice_id);

-- Favourites, as Superset's favstar: class_name is 'slice' or 'Dashboard'.
CREATE TABLE favstar (
    user_id BIGINT NOT NULL REFERENCES ab_user(id) ON DELETE CASCADE,
    class_name TEXT NOT NULL,
    obj_id BIGINT NOT NULL,
    dttm BIGINT NOT NULL,
    PRIMARY KEY (user_id, class_name, obj_id)
);


-- SQL Lab: the history of queries users ran (Superset's `query`) and the queries they
-- saved (`saved_query`). Times are UTC epoch microseconds like everywhere else; the API
-- renders a query's start/end times as Superset's epoch milliseconds.
-- Deleting a database deletes its queries and saved queries, as Superset's
-- `cascade="all, delete-orphan"` relationships do.

CREATE TABLE query (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The client's id for the query: the key for polling, stopping and exporting.
    client_id TEXT NOT NULL UNIQUE,
    database_id BIGINT NOT NULL REFERENCES dbs(id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES ab_user(id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    tab_name TEXT,
    sql_editor_id TEXT,
    catalog TEXT,
    schema TEXT,
    sql TEXT NOT NULL,
    select_sql TEXT,
    executed_sql TEXT,
    "limit" BIGINT,
    limiting_factor TEXT NOT NULL DEFAULT 'UNKNOWN',
    select_as_cta BOOLEAN NOT NULL DEFAULT FALSE,
    select_as_cta_used BOOLEAN NOT NULL DEFAULT FALSE,
    ctas_method TEXT NOT NULL DEFAULT 'TABLE',
    tmp_table_name TEXT,
    tmp_schema_name TEXT,
    progress BIGINT NOT NULL DEFAULT 0,
    rows BIGINT,
    error_message TEXT,
    results_key TEXT,
    start_time BIGINT,
    start_running_time BIGINT,
    end_time BIGINT,
    end_result_backend_time BIGINT,
    tracking_url TEXT,
    extra_json TEXT,
    changed_on BIGINT NOT NULL
);
-- A user's history by change time (lists, `updated_since` polling).
CREATE INDEX query_user_changed_on ON query (user_id, changed_on);
CREATE INDEX query_changed_on ON query (changed_on);
CREATE INDEX query_start_time ON query (start_time);
CREATE INDEX query_database ON query (database_id);
CREATE INDEX query_sql_editor ON query (sql_editor_id);
CREATE INDEX query_results_key ON query (results_key);

CREATE TABLE saved_query (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    -- Who last saved it; Superset deletes a user's saved queries with the user.
    user_id BIGINT REFERENCES ab_user(id) ON DELETE CASCADE,
    db_id BIGINT REFERENCES dbs(id) ON DELETE CASCADE,
    catalog TEXT,
    schema TEXT,
    label TEXT,
    description TEXT,
    sql TEXT,
    template_parameters TEXT,
    extra_json TEXT,
    rows BIGINT,
    last_run BIGINT,
    created_on BIGINT NOT NULL,
    changed_on BIGINT NOT NULL,
    created_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL,
    changed_by_fk BIGINT REFERENCES ab_user(id) ON DELETE SET NULL
);
-- Lists show each user their own saved queries.
CREATE INDEX saved_query_created_by ON saved_query (created_by_fk);
CREATE INDEX saved_query_changed_on ON saved_query (changed_on);
CREATE INDEX saved_query_db ON saved_query (db_id);

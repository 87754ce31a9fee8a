//! The built-in roles and what each may do, with Superset's meaning: Admin everything,
//! Alpha all data but no database writes, Gamma only what it owns or is granted, sql_lab
//! SQL Lab's query history and saved queries, Public nothing.

/// `(role, [(permission, view-menu)])` for every built-in role.
pub fn builtin_roles() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    let crud = |view: &'static str| {
        vec![
            ("can_read", view),
            ("can_write", view),
            ("can_export", view),
        ]
    };
    let all_data = vec![
        ("all_datasource_access", "all_datasource_access"),
        ("all_database_access", "all_database_access"),
    ];
    let csrf = ("can_read", "SecurityRestApi");
    // Query history and saved queries belong to SQL Lab: only Admin and sql_lab get
    // them (Superset's `SQLLAB_ONLY_PERMISSIONS`).
    let mut sql_lab = vec![
        ("can_read", "Query"),
        ("can_execute_sql_query", "SQLLab"),
        ("can_get_results", "SQLLab"),
        ("can_export_csv", "SQLLab"),
    ];
    sql_lab.extend(crud("SavedQuery"));
    // Downloading chart data as CSV or XLSX.
    let csv = ("can_csv", "Superset");

    let mut admin = vec![csrf, csv];
    for view in ["Chart", "Dashboard", "Dataset", "Database"] {
        admin.extend(crud(view));
    }
    admin.push(("can_upload", "Database"));
    // Embedding and guests, row-level security: Admin's alone in Superset.
    admin.extend([
        ("can_set_embedded", "Dashboard"),
        ("can_grant_guest_token", "SecurityRestApi"),
        ("can_read", "EmbeddedDashboard"),
        ("can_read", "Row Level Security"),
        ("can_write", "Row Level Security"),
    ]);
    admin.extend(sql_lab.clone());
    admin.push(("all_query_access", "all_query_access"));
    // Exporting and importing everything at once (`/api/v1/assets/`).
    admin.extend([
        ("can_export", "ImportExportRestApi"),
        ("can_write", "ImportExportRestApi"),
    ]);
    admin.extend(all_data.clone());
    // FAB's security API (`/api/v1/security/{roles,users,...}`): Admin's alone.
    for view in ["Role", "User", "ViewMenu", "PermissionViewMenu"] {
        admin.extend(
            ["can_get", "can_post", "can_put", "can_delete", "can_info"].map(|p| (p, view)),
        );
    }
    admin.extend([
        ("can_get", "Permission"),
        ("can_info", "Permission"),
        ("can_list_role_permissions", "Role"),
        ("can_add_role_permissions", "Role"),
        ("can_update_role_users", "Role"),
    ]);

    let mut alpha = vec![csrf, csv];
    for view in ["Chart", "Dashboard", "Dataset"] {
        alpha.extend(crud(view));
    }
    alpha.extend([
        ("can_read", "Database"),
        ("can_upload", "Database"),
        ("can_read", "EmbeddedDashboard"),
    ]);
    alpha.extend(all_data);

    let mut gamma = vec![csrf, csv];
    gamma.extend(crud("Chart"));
    gamma.extend(crud("Dashboard"));
    gamma.extend([
        ("can_read", "Dataset"),
        ("can_read", "Database"),
        ("can_read", "EmbeddedDashboard"),
    ]);

    let mut sql_lab_role = vec![csrf, ("can_read", "Database")];
    sql_lab_role.extend(sql_lab);

    vec![
        ("Admin", admin),
        ("Public", vec![]),
        ("Alpha", alpha),
        ("Gamma", gamma),
        ("sql_lab", sql_lab_role),
    ]
}

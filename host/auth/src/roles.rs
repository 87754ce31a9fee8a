//! The built-in roles and what each may do, with Superset's meaning: Admin everything,
//! Alpha all data but no database writes, Gamma only what it owns or is granted, Public
//! nothing.

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

    let mut admin = vec![csrf];
    for view in ["Chart", "Dashboard", "Dataset", "Database"] {
        admin.extend(crud(view));
    }
    admin.push(("can_upload", "Database"));
    admin.push(("all_query_access", "all_query_access"));
    admin.extend(all_data.clone());

    let mut alpha = vec![csrf];
    for view in ["Chart", "Dashboard", "Dataset"] {
        alpha.extend(crud(view));
    }
    alpha.extend([("can_read", "Database"), ("can_upload", "Database")]);
    alpha.extend(all_data);

    let mut gamma = vec![csrf];
    gamma.extend(crud("Chart"));
    gamma.extend(crud("Dashboard"));
    gamma.extend([("can_read", "Dataset"), ("can_read", "Database")]);

    vec![
        ("Admin", admin),
        ("Public", vec![]),
        ("Alpha", alpha),
        ("Gamma", gamma),
    ]
}

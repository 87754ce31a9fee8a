//! FAB's security catalog, for administrators: `/api/v1/security/permissions/`
//! (read-only), `/resources/` (view menus) and `/permissions-resources/` (a permission
//! on a view menu, the unit roles are granted). Also the `{id, name}` models roles share.

use super::query::{parse_pk, show_response};
use crate::body::{BodyExt, Field, FieldType, JsonBody, validate};
use crate::error::{ApiError, ApiResult};
use crate::listing::{ListSpec, Q, info_filters, info_response, list_page};
use crate::principal::Caller;
use crate::response::{Json, json, ok};
use crate::routes::{Perm, Routes, perm};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use serde_json::{Map, Value};
use tessera_model::{Named, PermissionResource};
use tessera_store::{PERMISSION_VIEWS, PERMISSIONS, ROLES, StoreError, VIEW_MENUS};

/// FAB's method permissions on a security view (`can_get` on `Role`, ...).
pub(super) const fn get_on(view: &'static str) -> Perm {
    perm("can_get", view)
}
pub(super) const fn post_on(view: &'static str) -> Perm {
    perm("can_post", view)
}
pub(super) const fn put_on(view: &'static str) -> Perm {
    perm("can_put", view)
}
pub(super) const fn delete_on(view: &'static str) -> Perm {
    perm("can_delete", view)
}
pub(super) const fn info_on(view: &'static str) -> Perm {
    perm("can_info", view)
}

/// Which table of `{id, name}` rows a [`NamedModel`] is.
#[derive(Clone, Copy)]
pub(super) enum NamedKind {
    Permission,
    ViewMenu,
    Role,
}

/// A FAB model whose rows are `{id, name}` and whose only editable column is `name`.
pub(super) struct NamedModel {
    pub kind: NamedKind,
    pub list: ListSpec,
    /// FAB's `class_permission_name`.
    pub view: &'static str,
    pub show_title: &'static str,
    pub model: &'static str,
    pub fields: &'static [Field],
}

const NAME_COLUMNS: &[&str] = &["id", "name"];

pub(super) static PERMISSION_MODEL: NamedModel = NamedModel {
    kind: NamedKind::Permission,
    list: ListSpec {
        resource: &PERMISSIONS,
        list_columns: NAME_COLUMNS,
        title: "List Permission",
        max_page_size: Some(100),
    },
    view: "Permission",
    show_title: "Show Permission",
    model: "Permission",
    fields: &[Field::new("name", FieldType::Str { min: 0, max: 100 }).required()],
};

pub(super) static VIEW_MENU_MODEL: NamedModel = NamedModel {
    kind: NamedKind::ViewMenu,
    list: ListSpec {
        resource: &VIEW_MENUS,
        list_columns: NAME_COLUMNS,
        title: "List View Menu",
        max_page_size: Some(100),
    },
    view: "ViewMenu",
    show_title: "Show View Menu",
    model: "View Menu",
    fields: &[Field::new("name", FieldType::Str { min: 0, max: 250 }).required()],
};

pub(super) static ROLE_MODEL: NamedModel = NamedModel {
    kind: NamedKind::Role,
    list: ListSpec {
        resource: &ROLES,
        list_columns: NAME_COLUMNS,
        title: "List Role",
        max_page_size: Some(100),
    },
    view: "Role",
    show_title: "Show Role",
    model: "Role",
    fields: &[Field::new("name", FieldType::Str { min: 0, max: 64 }).required()],
};

impl NamedModel {
    pub(super) async fn load(
        &self,
        state: &AppState,
        ids: &[i64],
    ) -> tessera_store::Result<Vec<Named>> {
        match self.kind {
            NamedKind::Permission => state.store.permissions(ids).await,
            NamedKind::ViewMenu => state.store.view_menus(ids).await,
            NamedKind::Role => state.store.roles(ids).await,
        }
    }

    async fn save(&self, state: &AppState, id: Option<i64>, name: &str) -> ApiResult<i64> {
        let saved = match self.kind {
            NamedKind::Permission => return Err(ApiError::not_found()),
            NamedKind::ViewMenu => state.store.save_view_menu(id, name).await,
            NamedKind::Role => state.store.save_role(id, name).await,
        };
        state.identities.forget_all();
        saved.map_err(integrity_as_422)
    }

    async fn delete(&self, state: &AppState, id: i64) -> ApiResult<()> {
        let deleted = match self.kind {
            NamedKind::Permission => return Err(ApiError::not_found()),
            NamedKind::ViewMenu => state.store.delete_view_menu(id).await,
            NamedKind::Role => state.store.delete_role(id).await,
        };
        state.identities.forget_all();
        deleted.map_err(integrity_as_422)
    }

    pub(super) async fn list(&self, state: &AppState, caller: &Caller, q: &Q) -> ApiResult<Json> {
        list_page(
            state,
            caller,
            q,
            &self.list,
            async |ids| self.load(state, ids).await,
            |n, _| named_row(n),
        )
        .await
    }

    pub(super) async fn get(&self, state: &AppState, q: &Q, pk: &str) -> ApiResult<Json> {
        let id = parse_pk(pk)?;
        let row = self
            .load(state, &[id])
            .await?
            .pop()
            .ok_or_else(ApiError::not_found)?;
        show_response(q, id, NAME_COLUMNS, self.show_title, named_row(&row))
    }

    pub(super) fn info(&self, caller: &Caller, q: &Q) -> ApiResult<Json> {
        info_response(
            q,
            caller,
            self.view,
            info_filters(self.list.resource),
            self.fields,
            self.fields,
            self.model,
        )
    }

    /// FAB's generic POST: 201 with the new id and the echoed columns.
    pub(super) async fn create(
        &self,
        state: &AppState,
        body: Map<String, Value>,
    ) -> ApiResult<(StatusCode, Json)> {
        let name = self.name(&body)?;
        let id = self.save(state, None, &name).await?;
        Ok((
            StatusCode::CREATED,
            json(&serde_json::json!({"id": id, "result": {"name": name}})),
        ))
    }

    pub(super) async fn update(
        &self,
        state: &AppState,
        pk: &str,
        body: Map<String, Value>,
    ) -> ApiResult<Json> {
        let id = parse_pk(pk)?;
        let name = self.name(&body)?;
        self.save(state, Some(id), &name).await?;
        ok(serde_json::json!({"id": id, "result": {"name": name}}))
    }

    pub(super) async fn remove(&self, state: &AppState, pk: &str) -> ApiResult<Json> {
        self.delete(state, parse_pk(pk)?).await?;
        ok(serde_json::json!({"message": "OK"}))
    }

    /// FAB's generic handlers answer schema errors with 422.
    fn name(&self, body: &Map<String, Value>) -> ApiResult<String> {
        validate(body, self.fields, StatusCode::UNPROCESSABLE_ENTITY)?;
        body.str_of("name").ok_or_else(|| {
            ApiError::field(
                StatusCode::UNPROCESSABLE_ENTITY,
                "name",
                "Field may not be null.",
            )
        })
    }
}

fn named_row(n: &Named) -> Map<String, Value> {
    let mut row = Map::new();
    row.insert("id".into(), n.id.into());
    row.insert("name".into(), n.name.clone().into());
    row
}

/// What FAB answers when the database refuses a write (a duplicate name, a row still in
/// use): 422 with the reason.
pub(super) fn integrity_as_422(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict(what) => ApiError::unprocessable(what),
        other => other.into(),
    }
}

pub fn routes(r: Routes) -> Routes {
    let r = r
        .guarded(
            Method::GET,
            "/api/v1/security/permissions",
            get_on("Permission"),
            "List permissions",
            permissions_list,
        )
        .guarded(
            Method::GET,
            "/api/v1/security/permissions/_info",
            info_on("Permission"),
            "Permission metadata",
            permissions_info,
        )
        .guarded(
            Method::GET,
            "/api/v1/security/permissions/{pk}",
            get_on("Permission"),
            "Get a permission",
            permissions_get,
        )
        .guarded(
            Method::GET,
            "/api/v1/security/resources",
            get_on("ViewMenu"),
            "List resources (view menus)",
            resources_list,
        )
        .guarded(
            Method::POST,
            "/api/v1/security/resources",
            post_on("ViewMenu"),
            "Create a resource",
            resources_create,
        )
        .guarded(
            Method::GET,
            "/api/v1/security/resources/_info",
            info_on("ViewMenu"),
            "Resource metadata",
            resources_info,
        )
        .guarded(
            Method::GET,
            "/api/v1/security/resources/{pk}",
            get_on("ViewMenu"),
            "Get a resource",
            resources_get,
        )
        .guarded(
            Method::PUT,
            "/api/v1/security/resources/{pk}",
            put_on("ViewMenu"),
            "Rename a resource",
            resources_update,
        )
        .guarded(
            Method::DELETE,
            "/api/v1/security/resources/{pk}",
            delete_on("ViewMenu"),
            "Delete an unused resource",
            resources_delete,
        );
    const PVM: &str = "PermissionViewMenu";
    r.guarded(
        Method::GET,
        "/api/v1/security/permissions-resources",
        get_on(PVM),
        "List permissions on resources",
        pvm_list,
    )
    .guarded(
        Method::POST,
        "/api/v1/security/permissions-resources",
        post_on(PVM),
        "Create a permission on a resource",
        pvm_create,
    )
    .guarded(
        Method::GET,
        "/api/v1/security/permissions-resources/_info",
        info_on(PVM),
        "Permission-on-resource metadata",
        pvm_info,
    )
    .guarded(
        Method::GET,
        "/api/v1/security/permissions-resources/{pk}",
        get_on(PVM),
        "Get a permission on a resource",
        pvm_get,
    )
    .guarded(
        Method::PUT,
        "/api/v1/security/permissions-resources/{pk}",
        put_on(PVM),
        "Repoint a permission on a resource",
        pvm_update,
    )
    .guarded(
        Method::DELETE,
        "/api/v1/security/permissions-resources/{pk}",
        delete_on(PVM),
        "Delete a permission on a resource",
        pvm_delete,
    )
}

async fn permissions_list(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    PERMISSION_MODEL.list(&state, &caller, &q).await
}

async fn permissions_info(caller: Caller, q: Q) -> ApiResult<Json> {
    PERMISSION_MODEL.info(&caller, &q)
}

async fn permissions_get(
    State(state): State<AppState>,
    q: Q,
    Path(pk): Path<String>,
) -> ApiResult<Json> {
    PERMISSION_MODEL.get(&state, &q, &pk).await
}

async fn resources_list(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    VIEW_MENU_MODEL.list(&state, &caller, &q).await
}

async fn resources_info(caller: Caller, q: Q) -> ApiResult<Json> {
    VIEW_MENU_MODEL.info(&caller, &q)
}

async fn resources_get(
    State(state): State<AppState>,
    q: Q,
    Path(pk): Path<String>,
) -> ApiResult<Json> {
    VIEW_MENU_MODEL.get(&state, &q, &pk).await
}

async fn resources_create(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json)> {
    VIEW_MENU_MODEL.create(&state, body).await
}

async fn resources_update(
    State(state): State<AppState>,
    Path(pk): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json> {
    VIEW_MENU_MODEL.update(&state, &pk, body).await
}

async fn resources_delete(
    State(state): State<AppState>,
    Path(pk): Path<String>,
) -> ApiResult<Json> {
    VIEW_MENU_MODEL.remove(&state, &pk).await
}

static PVM_LIST: ListSpec = ListSpec {
    resource: &PERMISSION_VIEWS,
    list_columns: PVM_COLUMNS,
    title: "List Permission View",
    max_page_size: Some(100),
};

const PVM_COLUMNS: &[&str] = &["id", "permission.name", "view_menu.name"];

const PVM_FIELDS: &[Field] = &[
    Field::new("permission_id", FieldType::Int).required(),
    Field::new("view_menu_id", FieldType::Int).required(),
];

fn pvm_row(pv: &PermissionResource) -> Map<String, Value> {
    let mut row = Map::new();
    row.insert("id".into(), pv.id.into());
    row.insert(
        "permission".into(),
        serde_json::json!({"name": pv.permission.name}),
    );
    row.insert(
        "view_menu".into(),
        serde_json::json!({"name": pv.view_menu.name}),
    );
    row
}

async fn pvm_list(State(state): State<AppState>, caller: Caller, q: Q) -> ApiResult<Json> {
    list_page(
        &state,
        &caller,
        &q,
        &PVM_LIST,
        async |ids| state.store.permission_resources(ids).await,
        |pv, _| pvm_row(pv),
    )
    .await
}

async fn pvm_info(caller: Caller, q: Q) -> ApiResult<Json> {
    info_response(
        &q,
        &caller,
        "PermissionViewMenu",
        info_filters(&PERMISSION_VIEWS),
        PVM_FIELDS,
        PVM_FIELDS,
        "Permission View",
    )
}

async fn pvm_get(State(state): State<AppState>, q: Q, Path(pk): Path<String>) -> ApiResult<Json> {
    let id = parse_pk(&pk)?;
    let pv = state
        .store
        .permission_resources(&[id])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    show_response(&q, id, PVM_COLUMNS, "Show Permission View", pvm_row(&pv))
}

/// The permission and view-menu ids of a body; both must exist (422 otherwise, as
/// FAB's schema resolves them).
async fn save_pvm(state: &AppState, id: Option<i64>, body: &Map<String, Value>) -> ApiResult<i64> {
    validate(body, PVM_FIELDS, StatusCode::UNPROCESSABLE_ENTITY)?;
    let (Some(permission), Some(view_menu)) =
        (body.int_of("permission_id"), body.int_of("view_menu_id"))
    else {
        return Err(ApiError::unprocessable(
            "permission_id and view_menu_id are required",
        ));
    };
    let saved = state
        .store
        .save_permission_resource(id, permission, view_menu)
        .await;
    state.identities.forget_all();
    saved.map_err(integrity_as_422)
}

async fn pvm_create(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json)> {
    let id = save_pvm(&state, None, &body).await?;
    Ok((
        StatusCode::CREATED,
        json(&serde_json::json!({"id": id, "result": body})),
    ))
}

async fn pvm_update(
    State(state): State<AppState>,
    Path(pk): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json> {
    let id = parse_pk(&pk)?;
    save_pvm(&state, Some(id), &body).await?;
    ok(serde_json::json!({"id": id, "result": body}))
}

async fn pvm_delete(State(state): State<AppState>, Path(pk): Path<String>) -> ApiResult<Json> {
    state
        .store
        .delete_permission_resource(parse_pk(&pk)?)
        .await?;
    state.identities.forget_all();
    ok(serde_json::json!({"message": "OK"}))
}

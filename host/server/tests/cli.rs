//! The operator commands of the real `tessera` binary against a fresh SQLite store.

mod common;

fn tessera(data_dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    common::tessera(data_dir, None, args)
}

#[test]
fn upgrade_create_user_and_reset_password() {
    let dir = std::env::temp_dir().join(format!("tessera-cli-{}", std::process::id()));
    let (ok, out) = tessera(&dir, &["upgrade"]);
    assert!(ok, "{out}");
    assert!(dir.join("tessera.db").exists());
    // Upgrading an up-to-date store is a no-op.
    assert!(tessera(&dir, &["upgrade"]).0);

    let create = [
        "create-user",
        "--username",
        "ana",
        "--password",
        "pw-1",
        "--email",
        "ana@example.com",
        "--role",
        "Alpha",
    ];
    let (ok, out) = tessera(&dir, &create);
    assert!(ok, "{out}");
    assert!(out.contains("created user ana"));
    let (ok, out) = tessera(&dir, &create);
    assert!(!ok, "a second user with the same name is refused: {out}");

    let (ok, out) = tessera(
        &dir,
        &[
            "create-user",
            "--username",
            "bo",
            "--password",
            "x",
            "--email",
            "bo@example.com",
            "--role",
            "Nope",
        ],
    );
    assert!(!ok, "unknown role is refused: {out}");

    let (ok, out) = tessera(
        &dir,
        &["reset-password", "--username", "ana", "--password", "pw-2"],
    );
    assert!(ok, "{out}");
    let (ok, _) = tessera(
        &dir,
        &["reset-password", "--username", "nobody", "--password", "x"],
    );
    assert!(!ok);

    std::fs::remove_dir_all(&dir).unwrap();
}

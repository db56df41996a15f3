//! The headless server's Debian package (issue 17, operations): `scripts/build-deb.sh` builds a
//! `.deb` holding the binary, the systemd unit, its configuration as a conffile, the UI and the
//! deploy guide; what it installs starts as the unit starts it (the configuration's variables,
//! output to the journal without the admin token) and answers `/api/health`.

use scimlab_tests::scimlab_bin;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("command runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `VARIABLE=value` lines of an environment file, commented ones (`#VARIABLE=`) included.
fn variables(env_file: &str) -> Vec<(String, String, bool)> {
    env_file
        .lines()
        .filter_map(|l| {
            let (commented, l) = match l.strip_prefix('#') {
                Some(rest) => (true, rest),
                None => (false, l),
            };
            let (k, v) = l.split_once('=')?;
            k.starts_with("SCIMLAB_")
                .then(|| (k.to_owned(), v.to_owned(), commented))
        })
        .collect()
}

#[test]
fn the_deb_installs_a_server_that_starts_as_its_unit_starts_it() {
    let work = tempfile::tempdir().unwrap();
    let ui = work.path().join("ui");
    std::fs::create_dir_all(ui.join("assets")).unwrap();
    std::fs::write(
        ui.join("index.html"),
        "<!doctype html><title>ScimLab</title>",
    )
    .unwrap();
    let out = work.path().join("out");
    let deb = run(Command::new(repo().join("scripts/build-deb.sh"))
        .env("SCIMLAB_BIN", scimlab_bin())
        .env("UI_DIST", &ui)
        .env("DEB_OUT", &out));
    let deb = PathBuf::from(deb.trim());
    assert!(
        deb.starts_with(&out) && deb.extension().is_some_and(|e| e == "deb"),
        "{deb:?}"
    );

    // The control data.
    let field = |name: &str| {
        run(Command::new("dpkg-deb")
            .args(["--field"])
            .arg(&deb)
            .arg(name))
    };
    assert_eq!(field("Package").trim(), "scimlab");
    assert!(field("Depends").contains("adduser"));
    let contents = run(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    for path in [
        "./usr/bin/scimlab",
        "./lib/systemd/system/scimlab.service",
        "./etc/scimlab/scimlab.env",
        "./usr/share/scimlab/ui/index.html",
        "./usr/share/doc/scimlab/deploy.md",
        "./usr/share/doc/scimlab/copyright",
    ] {
        assert!(contents.contains(path), "{path} missing from\n{contents}");
    }
    assert!(
        contents
            .lines()
            .any(|l| l.starts_with("-rw-r-----") && l.ends_with("./etc/scimlab/scimlab.env")),
        "the configuration (it will hold the admin token) is not world-readable:\n{contents}"
    );
    let control = work.path().join("control");
    run(Command::new("dpkg-deb")
        .arg("--control")
        .arg(&deb)
        .arg(&control));
    assert_eq!(
        std::fs::read_to_string(control.join("conffiles"))
            .unwrap()
            .trim(),
        "/etc/scimlab/scimlab.env"
    );
    for script in ["postinst", "prerm", "postrm"] {
        run(Command::new("sh").arg("-n").arg(control.join(script)));
    }

    // The files as installed.
    let root = work.path().join("root");
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root));
    let unit = std::fs::read_to_string(root.join("lib/systemd/system/scimlab.service")).unwrap();
    assert!(
        unit.contains("\nExecStart=/usr/bin/scimlab serve\n"),
        "{unit}"
    );
    assert!(
        unit.contains("\nEnvironmentFile=/etc/scimlab/scimlab.env\n"),
        "{unit}"
    );
    assert!(unit.contains("\nUser=scimlab\n") && unit.contains("\nStateDirectory=scimlab\n"));
    let env_file = std::fs::read_to_string(root.join("etc/scimlab/scimlab.env")).unwrap();
    let vars = variables(&env_file);
    assert!(vars.len() >= 6, "{vars:?}");
    // Every variable the file names is one `scimlab serve` reads.
    let binary = root.join("usr/bin/scimlab");
    let help = run(Command::new(&binary).args(["serve", "--help"]));
    for (name, _, _) in &vars {
        assert!(
            name == "SCIMLAB_LOG" || help.contains(&format!("[env: {name}")),
            "{name} is not a `scimlab serve` variable"
        );
    }

    // Start the installed binary as the unit does: its variables (state directory and ports
    // moved into this test's reach, the token postinst would write), output to the journal.
    let state = work.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let token = "packaged-admin-token-0123456789";
    let mut serve = Command::new(&binary);
    serve
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap());
    for (name, value, commented) in vars {
        if commented {
            continue;
        }
        let value = match name.as_str() {
            "SCIMLAB_DB" => state.join("scimlab.db").display().to_string(),
            "SCIMLAB_SCIM_ADDR" | "SCIMLAB_ADMIN_ADDR" => "127.0.0.1:0".to_owned(),
            "SCIMLAB_ADMIN_TOKEN" => token.to_owned(),
            "SCIMLAB_UI_DIR" => root.join("usr/share/scimlab/ui").display().to_string(),
            _ => value,
        };
        serve.env(name, value);
    }
    let mut child = serve
        .env("JOURNAL_STREAM", "8:12345")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let text = scimlab_tests::serve_banner(child.stdout.take().unwrap());
    let admin = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Admin UI (open in a browser):"))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no admin address in {text}"));
    assert!(
        !text.contains(token),
        "the journal never gets the admin token: {text}"
    );
    assert!(admin.contains("SCIMLAB_ADMIN_TOKEN"), "{admin}");
    let base = admin
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        let health = client
            .get(format!("{base}/api/health"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        let body: serde_json::Value = health.json().await.unwrap();
        assert_eq!(body["database"]["up"], true);
        // The packaged UI is served.
        let page = client
            .get(format!("{base}/"))
            .header("cookie", format!("scimlab_admin={token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        assert!(
            page.text()
                .await
                .unwrap()
                .contains("<title>ScimLab</title>")
        );
    });
    // SIGTERM, as systemd stops it: a clean exit.
    run(Command::new("kill").args(["-TERM", &child.id().to_string()]));
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

//! A PostgreSQL server for the tests: the one named by `SCIMLAB_TEST_DATABASE_URL`, else one
//! started once per test process from Debian's `postgresql` package (`initdb` and `postgres`
//! under `/usr/lib/postgresql/<version>/bin`) in a temporary data directory on a loopback port.
//! No container and nothing left behind: the server runs under a small shell that waits on a
//! pipe from this process, and stops it and deletes its directory when the pipe closes (this
//! process exits, however it exits). As root, the server runs as the `postgres` user the
//! package creates (PostgreSQL refuses to run as root).
//!
//! Each test opens its own schema ([`fresh_schema`]), so tests share the server and never
//! each other's rows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The URL of the tests' PostgreSQL server, starting it on first use.
pub(crate) fn url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| match std::env::var("SCIMLAB_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => start(),
    })
}

/// A schema name no other test of this run uses.
pub(crate) fn fresh_schema(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The directory with PostgreSQL's server programs: the newest version installed.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!(
            "the postgresql tests need PostgreSQL's server programs: install Debian's package \
             (apt-get install postgresql) or set SCIMLAB_TEST_DATABASE_URL to a server the tests may use"
        )
    })
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// `program args…`, as the `postgres` user when this process is root.
fn command(program: PathBuf) -> Command {
    if running_as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn start() -> String {
    let bin = bin_dir();
    let data = std::env::temp_dir().join(format!("scimlab-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    if running_as_root() {
        let status = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&data)
            .status()
            .unwrap();
        assert!(status.success(), "chown of {} failed", data.display());
    }
    let init = command(bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "scimlab",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&init.stderr)
    );
    let port = free_port();
    // The shell starts the server, then waits on its stdin: end of file (this process gone)
    // stops the server fast and removes its directory.
    let script = r#"
        "$1/postgres" -D "$2" -p "$3" -c listen_addresses=127.0.0.1 -c unix_socket_directories= \
            -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
            -c max_connections=200 -c log_min_messages=fatal >"$2/server.log" 2>&1 &
        server=$!
        cat >/dev/null
        kill -INT "$server"
        wait "$server"
        rm -rf "$2"
    "#;
    let mut supervisor = command(PathBuf::from("/bin/sh"))
        .arg("-c")
        .arg(script)
        .arg("sh")
        .arg(&bin)
        .arg(&data)
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kept open for the life of the process: its end stops the server.
    let pipe = supervisor.stdin.take().unwrap();
    std::mem::forget(pipe);
    std::mem::forget(supervisor);
    let ready = bin.join("pg_isready");
    for _ in 0..300 {
        let up = Command::new(&ready)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-U",
                "scimlab",
                "-q",
            ])
            .status()
            .is_ok_and(|s| s.success());
        if up {
            return format!("postgres://scimlab@127.0.0.1:{port}/postgres");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let log = std::fs::read_to_string(data.join("server.log")).unwrap_or_default();
    let _ = std::io::stderr().write_all(log.as_bytes());
    panic!("the tests' postgresql server did not start within 30 s on port {port}");
}

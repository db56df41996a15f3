//! A PostgreSQL server for the tests: the one named by `SCIMLAB_TEST_DATABASE_URL`, else one
//! started once per test process from Debian's `postgresql` package (`initdb` and `postgres`
//! under `/usr/lib/postgresql/<version>/bin`) in a temporary data directory on a loopback port.
//! No container and nothing left behind: the server runs under a small shell that waits on a
//! pipe from this process, and stops it and deletes its directory when the pipe closes (this
//! process exits, however it exits). As root, the server runs as the `postgres` user the
//! package creates (PostgreSQL refuses to run as root).
//!
//! Each test opens its own schema ([`fresh_schema`]) or database ([`fresh_database`]), so
//! tests share the server and never each other's rows. Used by the engine's store tests and the
//! integration suite (its PostgreSQL runs: `SCIMLAB_TEST_BACKEND=postgres`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The URL of the tests' PostgreSQL server, starting it on first use.
pub fn url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| match std::env::var("SCIMLAB_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => start(),
    })
}

/// A schema name no other test of this run uses.
pub fn fresh_schema(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A new, empty database on the tests' server; its URL. Each engine of the integration suite
/// gets one, so the fixed schema names of a ScimLab database (`scimlab`, `scimlab_w_<slug>`)
/// never meet another test's.
pub fn fresh_database(prefix: &str) -> String {
    let server = url();
    let name = fresh_schema(prefix);
    let (base, _) = server
        .rsplit_once('/')
        .expect("the tests' url names a database");
    let rest = base.strip_prefix("postgres://").unwrap_or(base);
    let (user, host_port) = rest.split_once('@').unwrap_or(("scimlab", rest));
    let user = user.split(':').next().unwrap_or("scimlab");
    let (host, port) = host_port.rsplit_once(':').unwrap_or((host_port, "5432"));
    let made = Command::new(bin_dir().join("createdb"))
        .args(["-h", host, "-p", port, "-U", user, &name])
        .output()
        .expect("createdb runs");
    assert!(
        made.status.success(),
        "createdb {name} failed: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    format!("{base}/{name}")
}

/// Drop the database at `url` (made by [`fresh_database`]), ending its sessions: a test's
/// engine left running holds connections the shared server runs out of otherwise.
pub fn drop_database(url: &str) {
    let Some((base, name)) = url.rsplit_once('/') else {
        return;
    };
    let rest = base.strip_prefix("postgres://").unwrap_or(base);
    let (user, host_port) = rest.split_once('@').unwrap_or(("scimlab", rest));
    let user = user.split(':').next().unwrap_or("scimlab");
    let (host, port) = host_port.rsplit_once(':').unwrap_or((host_port, "5432"));
    let _ = Command::new(bin_dir().join("dropdb"))
        .args([
            "-h",
            host,
            "-p",
            port,
            "-U",
            user,
            "--force",
            "--if-exists",
            name,
        ])
        .stderr(Stdio::null())
        .status();
}

/// Run `sql` on the database at `url` with `psql` and return its rows, one line each, fields
/// split by `|` (what a test checks in the database itself).
pub fn psql(url: &str, sql: &str) -> String {
    let out = Command::new(bin_dir().join("psql"))
        .args([
            "-X",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-c",
            sql,
        ])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql failed on {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
}

/// The directory with PostgreSQL's server programs: the newest version installed.
pub fn bin_dir() -> PathBuf {
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
    let server = Server::start("shared");
    let url = server.url("postgres");
    // The shared server lives as long as the test process.
    std::mem::forget(server);
    url
}

/// A PostgreSQL server of this test process: stopped and its directory removed when dropped,
/// or when the process ends however it ends. [`Server::stop`] and [`Server::start_again`]
/// take it down and bring it back on the same port and data (a database outage, for tests).
pub struct Server {
    port: u16,
    bin: PathBuf,
    control: std::process::ChildStdin,
    _supervisor: std::process::Child,
}

impl Server {
    /// A new server in a temporary data directory on a free loopback port.
    pub fn start(tag: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let bin = bin_dir();
        let data = std::env::temp_dir().join(format!(
            "scimlab-pg-{}-{tag}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
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
        // The shell runs the server and reads commands on its stdin: `stop`, `start`; at end
        // of file (this process gone, or the Server dropped) it stops the server fast and
        // removes its directory.
        let script = r#"
            run() {
                "$1/postgres" -D "$2" -p "$3" -c listen_addresses=127.0.0.1 \
                    -c unix_socket_directories= -c fsync=off -c synchronous_commit=off \
                    -c full_page_writes=off -c max_connections=300 \
                    -c log_min_messages=fatal >>"$2/server.log" 2>&1 &
                server=$!
            }
            run "$@"
            while read -r command; do
                case "$command" in
                    stop) kill -INT "$server"; wait "$server" ;;
                    start) run "$@" ;;
                esac
            done
            kill -INT "$server" 2>/dev/null
            wait "$server" 2>/dev/null
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
        let control = supervisor.stdin.take().unwrap();
        let server = Server {
            port,
            bin,
            control,
            _supervisor: supervisor,
        };
        if !server.wait_until(true) {
            let log = std::fs::read_to_string(data.join("server.log")).unwrap_or_default();
            let _ = std::io::stderr().write_all(log.as_bytes());
            panic!("the tests' postgresql server did not start within 30 s on port {port}");
        }
        server
    }

    /// The URL of database `database` on this server.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://scimlab@127.0.0.1:{}/{database}", self.port)
    }

    /// Stop the server (fast shutdown: sessions are cut), returning once it no longer answers.
    pub fn stop(&mut self) {
        writeln!(self.control, "stop").unwrap();
        assert!(
            self.wait_until(false),
            "the server did not stop within 30 s"
        );
    }

    /// Start the stopped server again on the same port and data.
    pub fn start_again(&mut self) {
        writeln!(self.control, "start").unwrap();
        assert!(
            self.wait_until(true),
            "the server did not come back within 30 s"
        );
    }

    /// Wait (up to 30 s) until the server answers (`up`) or does not; whether it did.
    fn wait_until(&self, up: bool) -> bool {
        for _ in 0..300 {
            let answers = Command::new(self.bin.join("pg_isready"))
                .args([
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &self.port.to_string(),
                    "-U",
                    "scimlab",
                    "-q",
                ])
                .status()
                .is_ok_and(|s| s.success());
            if answers == up {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        false
    }
}

//! The cloudflared child: spawn `cloudflared tunnel --url http://127.0.0.1:<scim port>`, read
//! its stderr line by line for the quick tunnel's URL, and watch it until it ends or is stopped.
//!
//! cloudflared prints the URL on stderr inside a box:
//! `… INF |  https://random-words-here.trycloudflare.com  |`. Lines are read by a task of their
//! own into a small channel (reading is then cancel-safe inside `select!`), each cut at
//! [`MAX_LINE`] bytes, and only the last one is kept (for the `stopped` detail), so a chatty or
//! hostile child cannot grow memory. The child has `kill_on_drop`: dropping the watcher (an
//! aborted task, a runtime shutting down) kills it too.

use super::{TunnelManager, TunnelSettings};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};

/// Longest stderr line kept, in bytes; the rest of a longer line is dropped.
const MAX_LINE: usize = 2048;
/// Longest last line quoted in a `stopped` detail, in characters.
const MAX_QUOTED: usize = 300;

/// The quick tunnel's public origin in one line of cloudflared's output, if there is one:
/// `https://<name>.trycloudflare.com` standing alone (between spaces or box bars). The API host
/// `api.trycloudflare.com`, which error lines name, is not a tunnel.
pub fn public_url_in(line: &str) -> Option<String> {
    line.split(|c: char| c.is_whitespace() || c == '|')
        .filter_map(|word| word.strip_prefix("https://"))
        .map(|host| host.trim_end_matches('/'))
        .find(|host| {
            host.strip_suffix(".trycloudflare.com").is_some_and(|name| {
                !name.is_empty()
                    && name != "api"
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            })
        })
        .map(|host| format!("https://{}", host.to_ascii_lowercase()))
}

/// Start cloudflared with its stderr piped (stdin and stdout closed).
pub(super) fn spawn(settings: &TunnelSettings) -> std::io::Result<Child> {
    Command::new(&settings.cloudflared)
        .args([
            "tunnel",
            "--no-autoupdate",
            "--url",
            &format!("http://127.0.0.1:{}", settings.scim_port),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
}

/// Read lines of at most [`MAX_LINE`] bytes (lossy UTF-8) until end of file.
async fn read_lines(mut reader: impl AsyncBufRead + Unpin, tx: mpsc::Sender<String>) {
    let mut line: Vec<u8> = Vec::new();
    while let Ok(chunk) = reader.fill_buf().await {
        if chunk.is_empty() {
            break;
        }
        let (part, used, complete) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], i + 1, true),
            None => (chunk, chunk.len(), false),
        };
        let room = MAX_LINE.saturating_sub(line.len());
        line.extend_from_slice(&part[..part.len().min(room)]);
        reader.consume(used);
        if complete {
            let text = String::from_utf8_lossy(&line).trim_end().to_owned();
            line.clear();
            if tx.send(text).await.is_err() {
                return;
            }
        }
    }
    if !line.is_empty() {
        let _ = tx
            .send(String::from_utf8_lossy(&line).trim_end().to_owned())
            .await;
    }
}

/// A line as quoted in a detail: without cloudflared's timestamp and level, cut short.
fn quoted(line: &str) -> String {
    let mut words = line.split_whitespace().peekable();
    // `2024-05-01T10:00:00Z ERR message` → `message`
    if words
        .peek()
        .is_some_and(|w| w.len() >= 20 && w.contains('T'))
    {
        words.next();
        if words
            .peek()
            .is_some_and(|w| matches!(*w, "DBG" | "INF" | "WRN" | "ERR" | "FTL"))
        {
            words.next();
        }
    }
    let text = words.collect::<Vec<_>>().join(" ");
    if text.chars().count() > MAX_QUOTED {
        format!("{}…", text.chars().take(MAX_QUOTED).collect::<String>())
    } else {
        text
    }
}

/// `cloudflared exited (code N): <last line>`.
fn exit_detail(status: std::io::Result<std::process::ExitStatus>, last: Option<&str>) -> String {
    let how = match status {
        Ok(s) => match s.code() {
            Some(code) => format!("cloudflared exited (code {code})"),
            None => format!("cloudflared was ended by a signal ({s})"),
        },
        Err(e) => format!("cloudflared could not be watched: {e}"),
    };
    let tail = match last.map(quoted).filter(|l| !l.is_empty()) {
        Some(line) => format!(": {line}"),
        None => String::new(),
    };
    format!(
        "{how}{tail}; starting it again gives a new public URL: update the Tenant URL in Entra ID / Okta then"
    )
}

/// Watch one cloudflared run: find the URL within `url_timeout`, then wait for the child to
/// end or for a stop. On a stop the child is killed and reaped and the state is left to the
/// caller; otherwise the manager hears `running` and then `stopped`.
pub(super) async fn watch(
    manager: TunnelManager,
    generation: u64,
    mut child: Child,
    mut stop: oneshot::Receiver<()>,
    url_timeout: Duration,
) {
    let (tx, mut lines) = mpsc::channel::<String>(64);
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(read_lines(BufReader::new(stderr), tx));
    }
    let deadline = tokio::time::Instant::now() + url_timeout;
    let mut found = false;
    let mut last: Option<String> = None;
    let mut open = true;
    loop {
        tokio::select! {
            _ = &mut stop => {
                let _ = child.kill().await;
                return;
            }
            line = lines.recv(), if open => match line {
                Some(line) => {
                    tracing::debug!(target: "scimlab::tunnel", "cloudflared: {line}");
                    if !found && let Some(url) = public_url_in(&line) {
                        found = true;
                        tracing::info!(%url, "cloudflared quick tunnel is up");
                        manager.found_url(generation, url);
                    }
                    if !line.trim().is_empty() {
                        last = Some(line);
                    }
                }
                None => open = false,
            },
            () = tokio::time::sleep_until(deadline), if !found => {
                let _ = child.kill().await;
                let tail = last.as_deref().map(quoted).map(|l| format!(" (its last line: {l})")).unwrap_or_default();
                manager.stopped(generation, format!(
                    "cloudflared printed no public URL within {} s{tail}: check this machine's internet access, then start again",
                    url_timeout.as_secs_f32()
                ));
                return;
            }
            status = child.wait() => {
                // The last lines may still be in the pipe: read them briefly.
                let drain = async {
                    while let Some(line) = lines.recv().await {
                        if !line.trim().is_empty() {
                            last = Some(line);
                        }
                    }
                };
                let _ = tokio::time::timeout(Duration::from_millis(500), drain).await;
                tracing::warn!(?status, "cloudflared ended");
                manager.stopped(generation, exit_detail(status, last.as_deref()));
                return;
            }
        }
    }
}

#[cfg(test)]
pub(super) mod tests_support {
    /// [`super::exit_detail`] for an exit `code` (Unix wait status `code << 8`).
    pub fn exit_detail_for_code(code: i32, last: &str) -> String {
        use std::os::unix::process::ExitStatusExt;
        super::exit_detail(
            Ok(std::process::ExitStatus::from_raw(code << 8)),
            Some(last),
        )
    }
}

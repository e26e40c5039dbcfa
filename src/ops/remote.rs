//! `jobcockpit backup` while the server runs: the command asks the server on
//! this machine to write the backup (`GET /drift/sikkerhedskopi/{navn}` with the
//! store key's proof, [`super::backup::token`]), then moves the file to where it
//! was asked for. A plain HTTP/1.0 request over TCP: the answer is a few lines.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use super::OpsError;

/// How long the server may take to write a backup.
const TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The address to reach a server bound to `bind` on this machine: a wildcard
/// address becomes the loopback address.
pub fn local_address(bind: &str) -> String {
    if let Some(port) = bind.strip_prefix("0.0.0.0:") {
        format!("127.0.0.1:{port}")
    } else if let Some(port) = bind.strip_prefix("[::]:") {
        format!("[::1]:{port}")
    } else {
        bind.to_string()
    }
}

/// Asks the server at `address` to write the backup `name`; returns the path
/// of the file it wrote.
pub fn request_backup(address: &str, token: &str, name: &str) -> Result<PathBuf, OpsError> {
    let server = |why: String| OpsError::Server(why);
    let addr = address
        .to_socket_addrs()
        .map_err(|e| server(format!("{address}: {e}")))?
        .next()
        .ok_or_else(|| server(format!("{address}: ingen adresse")))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| server(format!("kunne ikke forbinde til {address}: {e}")))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .map_err(|e| server(e.to_string()))?;
    let request = format!(
        "GET /drift/sikkerhedskopi/{name} HTTP/1.0\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| server(e.to_string()))?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .map_err(|e| server(e.to_string()))?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("");
    if status != "200" {
        return Err(server(format!(
            "svar {status} (serveren kører måske ikke her, adressen er ikke i [ops] metrics_from, \
             nøglen er ikke serverens, eller kopien fejlede: se serverens log)"
        )));
    }
    body.lines()
        .find_map(|l| l.strip_prefix("fil: "))
        .map(|p| PathBuf::from(p.trim()))
        .ok_or_else(|| server("svaret nævner ingen fil".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_bind_is_reached_on_the_loopback_address() {
        assert_eq!(local_address("0.0.0.0:8080"), "127.0.0.1:8080");
        assert_eq!(local_address("[::]:8080"), "[::1]:8080");
        assert_eq!(local_address("10.0.0.5:8080"), "10.0.0.5:8080");
    }
}

//! `jobcockpit backup` and `jobcockpit user` while the server runs: the command
//! asks the server on this machine to write the backup (`GET
//! /drift/sikkerhedskopi/{navn}`) or make the user change (`POST /drift/brugere`),
//! with the store key's proof ([`super::backup::token`]). A plain HTTP/1.0 request
//! over TCP: the answer is a few lines.

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

/// One request to the server at `address`; returns the status and the body.
fn exchange(address: &str, request: &[u8]) -> Result<(String, String), OpsError> {
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
    stream
        .write_all(request)
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
    Ok((status.to_string(), body.to_string()))
}

/// Asks the server at `address` to apply a user change (JSON of
/// `access::command::UserChange`); returns what the server says it did, or its
/// Danish reason for refusing.
pub fn request_user_change(
    address: &str,
    token: &str,
    change_json: &str,
) -> Result<String, OpsError> {
    let request = format!(
        "POST /drift/brugere HTTP/1.0\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{change_json}",
        change_json.len()
    );
    let (status, body) = exchange(address, request.as_bytes())?;
    match status.as_str() {
        "200" => Ok(body.trim_end().to_string()),
        "422" => Err(OpsError::Server(format!(
            "serveren afviste ændringen: {}",
            body.trim_end()
        ))),
        _ => Err(OpsError::Server(format!(
            "svar {status} (serveren kører måske ikke her, adressen er ikke i [ops] metrics_from, \
             eller nøglen er ikke serverens: se serverens log)"
        ))),
    }
}

/// Asks the server at `address` to write the backup `name`; returns the path
/// of the file it wrote.
pub fn request_backup(address: &str, token: &str, name: &str) -> Result<PathBuf, OpsError> {
    let server = |why: String| OpsError::Server(why);
    let request = format!(
        "GET /drift/sikkerhedskopi/{name} HTTP/1.0\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\r\n"
    );
    let (status, body) = exchange(address, request.as_bytes())?;
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

//! Progress of reading large files. The library only reports; the command line
//! draws a one-line bar on stderr, and only when stderr is a terminal, so logs and
//! scripts never see control characters. Hand-made rather than `indicatif`: one
//! line of `\r`-redrawn text does not justify a dependency tree.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Receives how far the reader of one file is.
pub trait Progress: Sync {
    /// A file of `total` units (bytes for CSV, rows for Parquet) starts.
    fn start(&self, file: &str, total: u64);
    /// `done` units of the current file are read.
    fn advance(&self, done: u64);
    /// The current file is read.
    fn finish(&self);
}

/// Reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// Files smaller than this are read too fast for a bar to be worth drawing.
const MIN_TOTAL: u64 = 16 << 20;

/// A bar on stderr: `status.csv  [#######.............]  35 %  12 s`.
pub struct TerminalBar {
    state: Mutex<BarState>,
}

struct BarState {
    file: String,
    total: u64,
    started: Instant,
    drawn: Option<Instant>,
}

impl TerminalBar {
    /// A bar if stderr is a terminal, otherwise `None`.
    pub fn if_terminal() -> Option<TerminalBar> {
        std::io::stderr().is_terminal().then(|| TerminalBar {
            state: Mutex::new(BarState {
                file: String::new(),
                total: 0,
                started: Instant::now(),
                drawn: None,
            }),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, BarState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One line of the bar, without the carriage return.
pub fn bar_line(file: &str, done: u64, total: u64, elapsed: Duration) -> String {
    const WIDTH: usize = 30;
    let share = if total == 0 {
        1.0
    } else {
        (done as f64 / total as f64).clamp(0.0, 1.0)
    };
    let filled = (share * WIDTH as f64).round() as usize;
    format!(
        "{file}  [{}{}] {:>3} %  {} s",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        (share * 100.0).round() as u32,
        elapsed.as_secs()
    )
}

impl Progress for TerminalBar {
    fn start(&self, file: &str, total: u64) {
        let mut s = self.state();
        s.file = std::path::Path::new(file)
            .file_name()
            .map_or_else(|| file.to_string(), |n| n.to_string_lossy().into_owned());
        s.total = total;
        s.started = Instant::now();
        s.drawn = None;
    }

    fn advance(&self, done: u64) {
        let mut s = self.state();
        if s.total < MIN_TOTAL && s.file.ends_with(".csv") {
            return;
        }
        // At most ten redraws a second: drawing is not free on a slow terminal.
        if s.drawn
            .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        s.drawn = Some(Instant::now());
        let line = bar_line(&s.file, done, s.total, s.started.elapsed());
        let _ = write!(std::io::stderr(), "\r{line}\x1b[K");
    }

    fn finish(&self) {
        let mut s = self.state();
        if s.drawn.take().is_some() {
            let line = bar_line(&s.file, s.total, s.total, s.started.elapsed());
            let _ = writeln!(std::io::stderr(), "\r{line}\x1b[K");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_share_read() {
        let line = bar_line("status.csv", 50, 100, Duration::from_secs(3));
        assert!(
            line.starts_with("status.csv  [###############..............."),
            "{line}"
        );
        assert!(line.contains(" 50 %"), "{line}");
        assert!(line.ends_with("3 s"), "{line}");
        assert!(bar_line("x", 7, 0, Duration::ZERO).contains("100 %"));
    }
}

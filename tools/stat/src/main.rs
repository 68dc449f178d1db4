// SPDX-License-Identifier: GPL-2.0

//! rpd-stat: a live, one-line-per-shell summary of the engine's debugfs counters
//! (Documentation/ABI/testing/debugfs-rust-padata), like `vmstat`.
//!
//! `rpd-stat [INTERVAL_MS [COUNT]]` reads every
//! `/sys/kernel/debug/rust_*/<instance>/<shell>/stats` every INTERVAL_MS (default 1000)
//! milliseconds, COUNT times (default: until killed), and prints for each shell that did
//! something in the interval: jobs submitted, completed and refused per second (direct jobs,
//! which their caller ran while the shell was idle, count as submitted and completed), jobs
//! in flight now and at most, the paths the parallel parts of submitted jobs took (inline,
//! pinned lane, unbound lane, in percent), the share of jobs handed back synchronously or run
//! directly, the mean serial batch (of the jobs that went through a serial worker), serial
//! wakeups per second, the share of lingering polls that caught a job, and the median and
//! 99th percentile of the time from submission to serial part in the interval (upper bounds
//! of the kernel's log2 buckets).

use std::{
    collections::BTreeMap,
    env, fs,
    path::Path,
    process::exit,
    thread,
    time::{Duration, Instant},
};

/// Counters of one shell, by name; a histogram's bucket `i` is counter `name[i]`.
type Counters = BTreeMap<String, u64>;

/// Where the modules' debugfs directories are.
const DEBUGFS: &str = "/sys/kernel/debug";

/// Reads the `stats` file of every shell: `module/instance/shell` -> counters.
fn snapshot() -> BTreeMap<String, Counters> {
    let mut all = BTreeMap::new();
    let dirs = |p: &Path| -> Vec<(String, std::path::PathBuf)> {
        let mut v: Vec<_> = fs::read_dir(p)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .collect();
        v.sort();
        v
    };
    for (module, mpath) in dirs(Path::new(DEBUGFS)) {
        if !module.starts_with("rust_") {
            continue;
        }
        for (inst, ipath) in dirs(&mpath) {
            for (shell, spath) in dirs(&ipath) {
                // The shell may go away between the listing and the read.
                let Ok(text) = fs::read_to_string(spath.join("stats")) else {
                    continue;
                };
                let mut c = Counters::new();
                for l in text.lines() {
                    let mut words = l.split_whitespace();
                    let Some(k) = words.next() else {
                        continue;
                    };
                    let vals: Vec<u64> = words.filter_map(|v| v.parse().ok()).collect();
                    match vals[..] {
                        [v] => {
                            c.insert(k.to_string(), v);
                        }
                        _ => c.extend(
                            vals.iter()
                                .enumerate()
                                .map(|(i, v)| (format!("{k}[{i}]"), *v)),
                        ),
                    }
                }
                all.insert(format!("{module}/{inst}/{shell}"), c);
            }
        }
    }
    all
}

/// Counter `k` of `now` less that of `before` (0 if it went down: a reset).
fn delta(now: &Counters, before: Option<&Counters>, k: &str) -> u64 {
    let n = now.get(k).copied().unwrap_or(0);
    let b = before.and_then(|b| b.get(k)).copied().unwrap_or(0);
    n.checked_sub(b).unwrap_or(n)
}

/// Upper bound, in microseconds, of the log2 bucket that holds quantile `q` of the
/// histogram `name` counted between `before` and `now`, or `-` if it counted nothing.
fn quantile_us(now: &Counters, before: Option<&Counters>, name: &str, q: f64) -> String {
    let buckets: Vec<u64> = (0..)
        .map(|i| format!("{name}[{i}]"))
        .take_while(|k| now.contains_key(k))
        .map(|k| delta(now, before, &k))
        .collect();
    let total: u64 = buckets.iter().sum();
    let mut seen = 0;
    for (i, n) in buckets.iter().enumerate() {
        seen += n;
        if total != 0 && seen as f64 >= q * total as f64 {
            let us = (1u64 << (i + 1)) as f64 / 1000.0;
            return if us >= 10.0 {
                format!("{us:.0}")
            } else {
                format!("{us:.2}")
            };
        }
    }
    "-".to_string()
}

/// `part` in percent of `whole`, or `-` when `whole` is 0.
fn pct(part: u64, whole: u64) -> String {
    match whole {
        0 => "-".to_string(),
        w => format!("{}", part * 100 / w),
    }
}

/// Prints one report of the shells active between `before` and `now`, `secs` apart.
fn report(before: &BTreeMap<String, Counters>, now: &BTreeMap<String, Counters>, secs: f64) {
    println!(
        "{:<28} {:>8} {:>8} {:>6} {:>6} {:>5} {:>4} {:>4} {:>4} {:>4} {:>5} {:>7} {:>4} {:>6} {:>6}",
        "shell",
        "sub/s",
        "done/s",
        "ref/s",
        "inflt",
        "peak",
        "inl%",
        "lan%",
        "unb%",
        "syn%",
        "batch",
        "wake/s",
        "hit%",
        "p50us",
        "p99us"
    );
    for (name, c) in now {
        let b = before.get(name);
        let d = |k: &str| delta(c, b, k);
        let refused: u64 = c
            .keys()
            .filter(|k| k.starts_with("refused_"))
            .map(|k| d(k))
            .sum();
        let direct = d("direct");
        let (sub, done) = (d("submitted") + direct, d("completed") + direct);
        if sub == 0 && done == 0 && refused == 0 && c.get("in_flight") == Some(&0) {
            continue;
        }
        let (inl, lan, unb) = (d("path_inline"), d("path_lane"), d("path_unbound_lane"));
        let paths = inl + lan + unb;
        let batches = d("serial_batches");
        let (hits, misses) = (d("poll_hits"), d("poll_misses"));
        let rate = |n: u64| format!("{:.0}", n as f64 / secs);
        println!(
            "{:<28} {:>8} {:>8} {:>6} {:>6} {:>5} {:>4} {:>4} {:>4} {:>4} {:>5} {:>7} {:>4} {:>6} {:>6}",
            name,
            rate(sub),
            rate(done),
            rate(refused),
            c.get("in_flight").copied().unwrap_or(0),
            c.get("peak_in_flight").copied().unwrap_or(0),
            pct(inl, paths),
            pct(lan, paths),
            pct(unb, paths),
            pct(d("sync_completed") + direct, done),
            match batches {
                0 => "-".to_string(),
                // Jobs that went through a serial worker: not those handed back or direct.
                n => {
                    let serial = d("completed").saturating_sub(d("sync_completed"));
                    format!("{:.1}", serial as f64 / n as f64)
                }
            },
            rate(d("serial_wakeups")),
            pct(hits, hits + misses),
            quantile_us(c, b, "latency_ns_log2", 0.5),
            quantile_us(c, b, "latency_ns_log2", 0.99),
        );
    }
    println!();
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let num = |i: usize, default: u64| -> u64 {
        args.get(i).map_or(default, |a| {
            a.parse().unwrap_or_else(|_| {
                eprintln!("usage: rpd-stat [INTERVAL_MS [COUNT]]");
                exit(2)
            })
        })
    };
    let (interval, count) = (num(1, 1000).max(1), num(2, u64::MAX));
    if !Path::new(DEBUGFS).join("rust_pcrypt").exists()
        && !Path::new(DEBUGFS).join("rust_padata").exists()
    {
        eprintln!("rpd-stat: no rust_pcrypt or rust_padata directory in {DEBUGFS}");
        exit(1);
    }
    let mut before = snapshot();
    let mut at = Instant::now();
    for _ in 0..count {
        thread::sleep(Duration::from_millis(interval));
        let now = snapshot();
        // Rates over the time that really passed (reading takes time, sleeps overrun).
        let secs = at.elapsed().as_secs_f64();
        at = Instant::now();
        report(&before, &now, secs);
        before = now;
    }
}

//! What the import bench needs to time a platform's own parser beside hedgec: an npm package
//! installed once into a scratch directory, a node script run there, and the median of timed runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use divan::black_box;

/// The median, in milliseconds, of `runs` timed calls of `work` after one warm-up call; returns
/// it with the last call's result.
pub fn median_ms<T>(runs: usize, mut work: impl FnMut() -> T) -> (f64, T) {
    let mut last = black_box(work());
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        last = black_box(work());
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], last)
}

/// A scratch directory under the system's temporary directory with `package` (`name@version`)
/// installed by npm, once: nothing lands in the repository.
pub fn npm_package(dir_name: &str, package: &str) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(dir_name);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let name = package.rsplit_once('@').map_or(package, |(name, _)| name);
    if !dir.join("node_modules").join(name).join("package.json").exists() {
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&dir)
            .arg(package)
            .status()
            .map_err(|e| format!("npm: {e}"))?;
        if !status.success() {
            return Err(format!("npm install {package} failed"));
        }
    }
    Ok(dir)
}

/// Writes `script` as `file_name` in `dir`, runs it with node and the arguments, and parses the
/// one JSON line it prints. Returns it with node's version.
pub fn run_node_script(
    dir: &Path,
    file_name: &str,
    script: &str,
    args: &[String],
) -> Result<(serde_json::Value, String), String> {
    let node = Command::new("node").arg("--version").output().map_err(|e| format!("node: {e}"))?;
    let node_version = String::from_utf8_lossy(&node.stdout).trim().to_string();
    let path = dir.join(file_name);
    std::fs::write(&path, script).map_err(|e| e.to_string())?;
    let output =
        Command::new("node").arg(&path).args(args).current_dir(dir).output().map_err(|e| format!("node: {e}"))?;
    if !output.status.success() {
        return Err(format!("node failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    let result = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    Ok((result, node_version))
}

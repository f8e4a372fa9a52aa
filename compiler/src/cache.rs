//! The teacher runs once: its labels are cached on disk, keyed by a
//! fingerprint of everything they depend on (the data's SHA-256, the
//! teacher and its parameters, the split, the seed, the column handling).
//! Recompiling with another `--precision` or `--max-rules` reuses them.
//!
//! The file is a small binary format (magic, sizes, then little-endian
//! arrays, then the SHA-256 of all that). A file that does not read back
//! exactly, or whose bytes no longer match their digest (a damaged disk, a
//! cache restored in part, a hand edit), is ignored and rewritten: the
//! cache can only save time, never change a result. A
//! numeric teacher's predictions are cached the same way, in `.values`
//! files ([`load_values`], [`store_values`]).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::teach::TeacherLabels;

const MAGIC: &[u8; 8] = b"RULECTL3";

/// The default cache folder: `$XDG_CACHE_HOME/rulec`, else `~/.cache/rulec`,
/// else a folder in the system's temporary directory.
pub fn default_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(x).join("rulec");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h).join(".cache").join("rulec");
    }
    std::env::temp_dir().join("rulec-cache")
}

/// A fingerprint of the running program, so that labels cached by another
/// build (another teacher implementation) are never reused: the
/// executable's path, size and modification time (any rebuild changes
/// them; hashing the 100+ MB executable cost more than a small compile), or
/// the version alone when they cannot be read.
pub fn build_fingerprint() -> String {
    let exe = std::env::current_exe().and_then(|p| Ok((std::fs::metadata(&p)?, p)));
    match exe {
        Ok((meta, path)) => {
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!(
                "{} {} {} {modified}",
                env!("CARGO_PKG_VERSION"),
                path.display(),
                meta.len()
            )
        }
        Err(_) => env!("CARGO_PKG_VERSION").to_string(),
    }
}

/// The cache key of a teacher's labels: a hex digest of `parts`.
pub fn key(parts: &[String]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The cached labels under `key` in `dir`, if a complete file is there.
pub fn load(dir: &Path, key: &str, n: usize, k: usize) -> Option<TeacherLabels> {
    let file = fs::read(dir.join(format!("{key}.labels"))).ok()?;
    let bytes = unseal(&file)?;
    let mut r = Reader { bytes, pos: 0 };
    if r.take(8)? != MAGIC || r.u64()? != n as u64 || r.u64()? != k as u64 {
        return None;
    }
    let labels = r.u32s(n)?;
    let confidence = r.f32s(n)?;
    let probs = r.f32s(n * k)?;
    let n_cmp = r.u64()? as usize;
    let comparisons = r.u32s(n_cmp)?;
    let ns = f64::from_le_bytes(r.take(8)?.try_into().ok()?);
    if r.pos != bytes.len() || labels.iter().any(|&c| c as usize >= k) {
        return None;
    }
    Some(TeacherLabels {
        labels,
        confidence,
        probs,
        trees: Vec::new(),
        comparisons,
        ns_per_row: (!ns.is_nan()).then_some(ns),
    })
}

/// Writes `labels` under `key` in `dir`, atomically (a half-written file is
/// never read: it is written beside and renamed).
pub fn store(dir: &Path, key: &str, labels: &TeacherLabels, k: usize) -> std::io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let path = dir.join(format!("{key}.labels"));
    let tmp = dir.join(format!(".{key}.{}.tmp", std::process::id()));
    let n = labels.labels.len();
    let mut out = Vec::with_capacity(32 + n * (12 + 4 * k));
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(n as u64).to_le_bytes());
    out.extend_from_slice(&(k as u64).to_le_bytes());
    labels
        .labels
        .iter()
        .for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
    labels
        .confidence
        .iter()
        .for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
    labels
        .probs
        .iter()
        .for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
    out.extend_from_slice(&(labels.comparisons.len() as u64).to_le_bytes());
    labels
        .comparisons
        .iter()
        .for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
    out.extend_from_slice(&labels.ns_per_row.unwrap_or(f64::NAN).to_le_bytes());
    seal(&mut out);
    write_beside(&tmp, &path, &out)?;
    Ok(path)
}

/// Writes `bytes` to `tmp` and renames it to `path`. The temporary file is
/// removed when the write fails (a full disk) and by an interrupt's
/// clean-up (`output::abandon`), which left it in the cache for good.
fn write_beside(tmp: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::output::track(tmp);
    let written = (|| {
        let mut f = fs::File::create(tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(tmp, path)
    })();
    crate::output::untrack(tmp);
    if written.is_err() {
        let _ = fs::remove_file(tmp);
    }
    written
}

const VALUES_MAGIC: &[u8; 8] = b"RULECTV2";

/// A numeric teacher's cached predictions under `key` in `dir` (its value
/// for each of `n` rows, and its comparisons per row), if a complete file
/// is there.
pub fn load_values(dir: &Path, key: &str, n: usize) -> Option<(Vec<f64>, Vec<u32>)> {
    let file = fs::read(dir.join(format!("{key}.values"))).ok()?;
    let bytes = unseal(&file)?;
    let mut r = Reader { bytes, pos: 0 };
    if r.take(8)? != VALUES_MAGIC || r.u64()? != n as u64 {
        return None;
    }
    let values = r.f64s(n)?;
    let n_cmp = r.u64()? as usize;
    let comparisons = r.u32s(n_cmp)?;
    (r.pos == bytes.len()).then_some((values, comparisons))
}

/// Writes a numeric teacher's predictions under `key` in `dir`, atomically
/// as [`store`] does.
pub fn store_values(
    dir: &Path,
    key: &str,
    values: &[f64],
    comparisons: &[u32],
) -> std::io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let path = dir.join(format!("{key}.values"));
    let tmp = dir.join(format!(".{key}.{}.tmp", std::process::id()));
    let mut out = Vec::with_capacity(24 + values.len() * 8 + comparisons.len() * 4);
    out.extend_from_slice(VALUES_MAGIC);
    out.extend_from_slice(&(values.len() as u64).to_le_bytes());
    values
        .iter()
        .for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
    out.extend_from_slice(&(comparisons.len() as u64).to_le_bytes());
    comparisons
        .iter()
        .for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
    seal(&mut out);
    write_beside(&tmp, &path, &out)?;
    Ok(path)
}

/// Appends the SHA-256 of `out` to it.
fn seal(out: &mut Vec<u8>) {
    let digest = Sha256::digest(&out[..]);
    out.extend_from_slice(&digest);
}

/// The bytes of a sealed file before its digest, when they still match it.
fn unseal(file: &[u8]) -> Option<&[u8]> {
    let body = file.len().checked_sub(32).map(|n| &file[..n])?;
    (Sha256::digest(body)[..] == file[body.len()..]).then_some(body)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn u32s(&mut self, n: usize) -> Option<Vec<u32>> {
        let b = self.take(n.checked_mul(4)?)?;
        Some(
            b.chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }

    fn f64s(&mut self, n: usize) -> Option<Vec<f64>> {
        let b = self.take(n.checked_mul(8)?)?;
        Some(
            b.chunks_exact(8)
                .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
        )
    }

    fn f32s(&mut self, n: usize) -> Option<Vec<f32>> {
        let b = self.take(n.checked_mul(4)?)?;
        Some(
            b.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_damaged_files() {
        let dir = tempfile::tempdir().unwrap();
        let labels = TeacherLabels {
            labels: vec![0, 2, 1],
            confidence: vec![0.5, 1.0, 0.75],
            probs: vec![0.5, 0.25, 0.25, 0.0, 0.0, 1.0, 0.1, 0.75, 0.15],
            trees: Vec::new(),
            comparisons: vec![10, 20, 30],
            ns_per_row: Some(1250.5),
        };
        let k = key(&["a".into(), "b".into()]);
        assert_ne!(k, key(&["ab".into()]), "parts are delimited");
        let path = store(dir.path(), &k, &labels, 3).unwrap();
        let back = load(dir.path(), &k, 3, 3).unwrap();
        assert_eq!(
            (back.labels, back.probs, back.comparisons, back.ns_per_row),
            (
                labels.labels.clone(),
                labels.probs.clone(),
                labels.comparisons.clone(),
                labels.ns_per_row
            )
        );
        assert!(load(dir.path(), &k, 4, 3).is_none(), "another row count");
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(load(dir.path(), &k, 3, 3).is_none(), "a truncated file");
        // A label changed in place, still in range and the file still its
        // length: the digest no longer matches.
        let mut edited = bytes.clone();
        edited[24] = 1;
        fs::write(&path, &edited).unwrap();
        assert!(load(dir.path(), &k, 3, 3).is_none(), "an edited label");
        fs::write(&path, &bytes).unwrap();
        assert!(load(dir.path(), &k, 3, 3).is_some(), "the file as written");
    }

    #[test]
    fn values_round_trip_and_damaged_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let values = vec![1.5, -0.25, 1e300, f64::MIN_POSITIVE];
        let comparisons = vec![7, 8, 9, 10];
        let k = key(&["values".into()]);
        let path = store_values(dir.path(), &k, &values, &comparisons).unwrap();
        assert_eq!(
            load_values(dir.path(), &k, 4),
            Some((values.clone(), comparisons.clone()))
        );
        assert!(
            load_values(dir.path(), &k, 3).is_none(),
            "another row count"
        );
        assert!(
            load(dir.path(), &k, 4, 1).is_none(),
            "labels are another file"
        );
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(load_values(dir.path(), &k, 4).is_none(), "a truncated file");
        let mut edited = bytes.clone();
        edited[16] ^= 1;
        fs::write(&path, &edited).unwrap();
        assert!(load_values(dir.path(), &k, 4).is_none(), "an edited value");
    }

    /// A write that fails leaves no temporary file in the cache (nothing
    /// ever removes one there).
    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let k = key(&["blocked".into()]);
        // The file's place is taken by a folder: the rename fails.
        fs::create_dir_all(dir.path().join(format!("{k}.values")).join("x")).unwrap();
        assert!(store_values(dir.path(), &k, &[1.0], &[1]).is_err());
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [format!("{k}.values")]);
    }
}

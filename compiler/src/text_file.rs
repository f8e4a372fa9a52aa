//! Which delimited-text format a data file is in, by its extensions, and
//! its text as a stream: `data.csv` (or `data.txt`, `data.dat`,
//! `data.data`: the separator picked from the header line), `data.tsv` or
//! `data.tab` (tab separated), each also compressed with gzip
//! (`data.csv.gz`) or zstd (`data.tsv.zst`).
//!
//! Compressed files are decompressed as they are read, so the pre-pass
//! (`csv_scan`) and the `--max-rows` sampler (`sample_file`) stream them
//! like plain files, and report the same line numbers: they see the same
//! text.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// A delimited-text data file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextFormat {
    /// The separator the format fixes (tab for `.tsv` and `.tab`); `None`:
    /// the pre-pass picks it from the header (`.csv`, `.txt`, `.dat`,
    /// `.data`).
    pub separator: Option<u8>,
    /// How the file is compressed.
    pub compression: Compression,
}

/// How a text data file is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (`.gz`), one member or several in a row.
    Gzip,
    /// zstd (`.zst`), one frame or several in a row.
    Zstd,
}

impl TextFormat {
    /// The text format of `path`, from its extensions (case ignored), or
    /// `None` when it is not a delimited-text file.
    pub fn of(path: &Path) -> Option<TextFormat> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let (rest, compression) = if let Some(rest) = name.strip_suffix(".gz") {
            (rest, Compression::Gzip)
        } else if let Some(rest) = name.strip_suffix(".zst") {
            (rest, Compression::Zstd)
        } else {
            (name.as_str(), Compression::None)
        };
        let separator = match Path::new(rest).extension()?.to_str()? {
            // Plain text files of rows are as often comma-, semicolon- or
            // tab-separated as not: the header line says which.
            "csv" | "txt" | "dat" | "data" => None,
            "tsv" | "tab" => Some(b'\t'),
            _ => return None,
        };
        Some(TextFormat {
            separator,
            compression,
        })
    }

    /// The text of the file at `path`, decompressed as it is read.
    pub fn open(&self, path: &Path) -> io::Result<Box<dyn BufRead>> {
        const CAPACITY: usize = 1 << 20;
        let file = File::open(path)?;
        Ok(match self.compression {
            Compression::None => Box::new(BufReader::with_capacity(CAPACITY, file)),
            Compression::Gzip => Box::new(BufReader::with_capacity(
                CAPACITY,
                flate2::read::MultiGzDecoder::new(BufReader::new(file)),
            )),
            Compression::Zstd => Box::new(BufReader::with_capacity(
                CAPACITY,
                zstd::stream::read::Decoder::new(file)?,
            )),
        })
    }

    /// The whole text of the file at `path`, decompressed.
    pub fn read_all(&self, path: &Path) -> io::Result<Vec<u8>> {
        let mut text = Vec::new();
        self.open(path)?.read_to_end(&mut text)?;
        Ok(text)
    }
}

/// The extension a message names for `path`, lowercase, without the
/// first dot: the last one (`txt`), or the last two when the last is a
/// compression's (`txt.gz`); empty when there is none.
pub fn extension_of(path: &Path) -> String {
    let ext = |p: &Path| {
        p.extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default()
    };
    let last = ext(path);
    if last == "gz" || last == "zst" {
        let inner = path
            .file_stem()
            .map(|s| ext(Path::new(s)))
            .unwrap_or_default();
        if !inner.is_empty() {
            return format!("{inner}.{last}");
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() {
        let of = |name: &str| TextFormat::of(Path::new(name));
        let csv = |separator, compression| {
            Some(TextFormat {
                separator,
                compression,
            })
        };
        assert_eq!(of("d.csv"), csv(None, Compression::None));
        assert_eq!(of("dir/D.CSV.GZ"), csv(None, Compression::Gzip));
        assert_eq!(of("d.tsv"), csv(Some(b'\t'), Compression::None));
        assert_eq!(of("d.2024.tab.zst"), csv(Some(b'\t'), Compression::Zstd));
        assert_eq!(of("d.gz"), None);
        assert_eq!(of("d.txt.gz"), csv(None, Compression::Gzip));
        assert_eq!(of("d.DAT"), csv(None, Compression::None));
        assert_eq!(of("adult.data.zst"), csv(None, Compression::Zstd));
        assert_eq!(of("d.xlsx"), None);
        assert_eq!(of("d.json.gz"), None);
        assert_eq!(of("d.parquet"), None);
        assert_eq!(of("csv"), None);
        assert_eq!(extension_of(Path::new("d.TXT.gz")), "txt.gz");
        assert_eq!(extension_of(Path::new("d.2024.txt")), "txt");
        assert_eq!(extension_of(Path::new("d.gz")), "gz");
        assert_eq!(extension_of(Path::new(".hidden")), "");
        assert_eq!(extension_of(Path::new("d")), "");
    }
}

//! Reading the files of a chain folder: plain or gzip SSZ, and the listings of the
//! `blocks/`, `sidecars/` and `columns/` folders by the numbers of their file names.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};

use super::{ChainFilesError, MAX_FILE_BYTES};

/// The bytes of `path`, unpacked when its name ends in `.gz`; `None` when there is no
/// such file.
pub(super) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, ChainFilesError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ChainFilesError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    // One byte more than the limit tells a file at the limit from a larger one.
    let limit = MAX_FILE_BYTES.saturating_add(1);
    let mut bytes = Vec::new();
    let gzip = path.extension().is_some_and(|ext| ext == "gz");
    let read = if gzip {
        flate2::read::GzDecoder::new(file)
            .take(limit)
            .read_to_end(&mut bytes)
    } else {
        file.take(limit).read_to_end(&mut bytes)
    };
    if let Err(source) = read {
        let path = path.to_path_buf();
        return Err(if gzip {
            ChainFilesError::Gzip { path, source }
        } else {
            ChainFilesError::Io { path, source }
        });
    }
    if u64::try_from(bytes.len())
        .ok()
        .is_none_or(|len| len > MAX_FILE_BYTES)
    {
        return Err(ChainFilesError::TooLarge {
            path: path.to_path_buf(),
            max: MAX_FILE_BYTES,
        });
    }
    Ok(Some(bytes))
}

/// The bytes of `path`, unpacked when its name ends in `.gz`.
pub(super) fn read(path: &Path) -> Result<Vec<u8>, ChainFilesError> {
    read_optional(path)?.ok_or_else(|| ChainFilesError::Io {
        path: path.to_path_buf(),
        source: ErrorKind::NotFound.into(),
    })
}

/// The first of `names` in `dir` that exists, with its path and bytes.
pub(super) fn read_first(
    dir: &Path,
    names: &[&str],
) -> Result<Option<(PathBuf, Vec<u8>)>, ChainFilesError> {
    for name in names {
        let path = dir.join(name);
        if let Some(bytes) = read_optional(&path)? {
            return Ok(Some((path, bytes)));
        }
    }
    Ok(None)
}

/// How the files of a folder are named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Naming {
    /// `<slot>.ssz` (blocks).
    Slot,
    /// `<slot>_<index>.ssz` (blob sidecars, data columns).
    SlotIndex,
}

impl Naming {
    /// The form of a file name, for errors.
    const fn expected(self) -> &'static str {
        match self {
            Naming::Slot => "<slot>.ssz or <slot>.ssz.gz",
            Naming::SlotIndex => "<slot>_<index>.ssz or <slot>_<index>.ssz.gz",
        }
    }

    /// The slot and index (0 for [`Naming::Slot`]) a file name gives, if it has the form.
    fn parse(self, name: &str) -> Option<(u64, u64)> {
        let stem = name
            .strip_suffix(".ssz.gz")
            .or_else(|| name.strip_suffix(".ssz"))?;
        match self {
            Naming::Slot => Some((number(stem)?, 0)),
            Naming::SlotIndex => {
                let (slot, index) = stem.split_once('_')?;
                Some((number(slot)?, number(index)?))
            }
        }
    }
}

/// A decimal number of digits only (no sign, no spaces) that fits in 64 bits.
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A file of a listed folder, with the numbers its name gives.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    /// The file.
    pub(super) path: PathBuf,
    /// The slot of its name.
    pub(super) slot: u64,
    /// The index of its name (0 for blocks).
    pub(super) index: u64,
}

/// The files of `dir` sorted by slot, then index; none when `dir` does not exist.
/// Hidden files (names starting with `.`) are skipped; any other name without the form
/// of `naming`, and two names with the same numbers, are errors.
pub(super) fn list(dir: &Path, naming: Naming) -> Result<Vec<Entry>, ChainFilesError> {
    let io = |source| ChainFilesError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let listing = match std::fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(io(source)),
    };
    let mut entries = Vec::new();
    for item in listing {
        let path = item.map_err(io)?.path();
        let name = path.file_name().and_then(|name| name.to_str());
        if name.is_some_and(|name| name.starts_with('.')) {
            continue;
        }
        let Some((slot, index)) = name.and_then(|name| naming.parse(name)) else {
            return Err(ChainFilesError::BadFileName {
                path,
                expected: naming.expected(),
            });
        };
        entries.push(Entry { path, slot, index });
    }
    entries.sort_by(|a, b| (a.slot, a.index, &a.path).cmp(&(b.slot, b.index, &b.path)));
    for pair in entries.windows(2) {
        if let [first, second] = pair
            && (first.slot, first.index) == (second.slot, second.index)
        {
            return Err(ChainFilesError::Duplicate {
                path: second.path.clone(),
                other: first.path.clone(),
            });
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::{Naming, number};

    #[test]
    fn file_names() {
        assert_eq!(Naming::Slot.parse("17.ssz"), Some((17, 0)));
        assert_eq!(Naming::Slot.parse("17.ssz.gz"), Some((17, 0)));
        assert_eq!(Naming::SlotIndex.parse("5_127.ssz"), Some((5, 127)));
        assert_eq!(Naming::SlotIndex.parse("5_1.ssz.gz"), Some((5, 1)));
        for bad in [
            "17", "17.json", "+17.ssz", " 17.ssz", "1_2.ssz", ".ssz", "x.ssz",
        ] {
            assert_eq!(Naming::Slot.parse(bad), None, "{bad}");
        }
        for bad in ["5.ssz", "5_.ssz", "_1.ssz", "5_1_2.ssz", "5-1.ssz"] {
            assert_eq!(Naming::SlotIndex.parse(bad), None, "{bad}");
        }
        assert_eq!(number("18446744073709551615"), Some(u64::MAX));
        assert_eq!(number("18446744073709551616"), None);
    }
}

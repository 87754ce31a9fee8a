//! The ZIP container. Reading trusts nothing the archive says: every name is checked
//! before its entry is opened, and sizes are limited both as declared and as actually
//! inflated, so a zip bomb that lies about its sizes is cut off at the limit.

use crate::BundleError;
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use zip::ZipArchive;
use zip::write::SimpleFileOptions;

/// How much an archive may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub entries: usize,
    pub entry_bytes: u64,
    pub total_bytes: u64,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        entries: 10_000,
        entry_bytes: 16 * 1024 * 1024,
        total_bytes: 64 * 1024 * 1024,
    };
}

/// The files of an archive by path, with the top folder every export puts them under
/// removed (Superset ignores its name).
pub fn read(bytes: &[u8], limits: &Limits) -> Result<BTreeMap<String, Vec<u8>>, BundleError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|_| BundleError::NotAZip)?;
    if archive.len() > limits.entries {
        return Err(BundleError::TooManyEntries(limits.entries));
    }
    let mut declared = 0u64;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| BundleError::Corrupt(format!("#{i}"), e.to_string()))?;
        let name = entry.name().to_string();
        check_path(&name)?;
        if entry.is_symlink() {
            return Err(BundleError::Symlink(name));
        }
        if entry.size() > limits.entry_bytes {
            return Err(BundleError::EntryTooLarge(name, limits.entry_bytes));
        }
        declared = declared.saturating_add(entry.size());
        if declared > limits.total_bytes {
            return Err(BundleError::TooLarge(limits.total_bytes));
        }
    }
    let mut files = vec![];
    let mut inflated = 0u64;
    for i in 0..archive.len() {
        let entry = archive
            .by_index(i)
            .map_err(|e| BundleError::Corrupt(format!("#{i}"), e.to_string()))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_string();
        let mut data = vec![];
        entry
            .take(limits.entry_bytes + 1)
            .read_to_end(&mut data)
            .map_err(|e| BundleError::Corrupt(name.clone(), e.to_string()))?;
        if data.len() as u64 > limits.entry_bytes {
            return Err(BundleError::EntryTooLarge(name, limits.entry_bytes));
        }
        inflated += data.len() as u64;
        if inflated > limits.total_bytes {
            return Err(BundleError::TooLarge(limits.total_bytes));
        }
        files.push((name, data));
    }
    // Exports keep everything under one folder; an archive made of loose files is read
    // as it is.
    let nested = files.iter().all(|(name, _)| name.contains('/'));
    let mut by_path = BTreeMap::new();
    for (name, data) in files {
        let path = match name.split_once('/') {
            Some((_, rest)) if nested => rest.to_string(),
            _ => name,
        };
        if by_path.insert(path.clone(), data).is_some() {
            return Err(BundleError::Duplicate(path));
        }
    }
    Ok(by_path)
}

/// Refuses names that could point outside the bundle once extracted anywhere: absolute
/// paths, drive letters, backslashes (a separator on Windows) and `..`.
fn check_path(name: &str) -> Result<(), BundleError> {
    let bytes = name.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    let unsafe_path = name.is_empty()
        || name.starts_with('/')
        || name.contains('\\')
        || name.contains('\0')
        || drive
        || name.split('/').any(|part| part == "..");
    if unsafe_path {
        Err(BundleError::UnsafePath(name.to_string()))
    } else {
        Ok(())
    }
}

/// Writes `files` under the folder `root`.
pub fn write(root: &str, files: &[(String, String)]) -> Result<Vec<u8>, BundleError> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let failed = |e: &dyn std::fmt::Display| BundleError::Write(e.to_string());
    for (path, text) in files {
        zip.start_file(format!("{root}/{path}"), options)
            .map_err(|e| failed(&e))?;
        zip.write_all(text.as_bytes()).map_err(|e| failed(&e))?;
    }
    Ok(zip.finish().map_err(|e| failed(&e))?.into_inner())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A ZIP of `entries` (name, contents), deflated.
    pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            zip.start_file(*name, options).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    /// Rewrites the uncompressed size an archive declares for `name`, in its local
    /// header and its central directory entry, leaving the data as it is.
    pub fn declare_size(zip: &mut [u8], name: &str, size: u32) {
        let mut patched = 0;
        for at in 0..zip.len().saturating_sub(46) {
            let (size_at, name_at) = match &zip[at..at + 4] {
                [0x50, 0x4b, 0x03, 0x04] => (at + 22, at + 30),
                [0x50, 0x4b, 0x01, 0x02] => (at + 24, at + 46),
                _ => continue,
            };
            if zip[name_at..].starts_with(name.as_bytes()) {
                zip[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
                patched += 1;
            }
        }
        assert_eq!(patched, 2, "local header and central directory of {name}");
    }

    const SMALL: Limits = Limits {
        entries: 5,
        entry_bytes: 1000,
        total_bytes: 2500,
    };

    #[test]
    fn strips_the_top_folder() {
        let zip = zip_of(&[
            ("x_export_1/metadata.yaml", b"a"),
            ("x_export_1/charts/c.yaml", b"b"),
        ]);
        let files = read(&zip, &SMALL).unwrap();
        let paths: Vec<&str> = files.keys().map(String::as_str).collect();
        assert_eq!(paths, ["charts/c.yaml", "metadata.yaml"]);
        let loose = zip_of(&[("metadata.yaml", b"a"), ("charts/c.yaml", b"b")]);
        assert!(read(&loose, &SMALL).unwrap().contains_key("metadata.yaml"));
    }

    #[test]
    fn refuses_paths_that_leave_the_bundle() {
        for name in [
            "x/../../etc/passwd",
            "/etc/passwd",
            "x\\..\\evil.yaml",
            "C:/evil.yaml",
            "..",
        ] {
            let zip = zip_of(&[(name, b"a")]);
            assert!(
                matches!(read(&zip, &SMALL), Err(BundleError::UnsafePath(n)) if n == name),
                "{name}"
            );
        }
    }

    #[test]
    fn refuses_symlinks() {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.add_symlink("x/link.yaml", "/etc/passwd", SimpleFileOptions::default())
            .unwrap();
        let zip = zip.finish().unwrap().into_inner();
        assert!(matches!(read(&zip, &SMALL), Err(BundleError::Symlink(_))));
    }

    #[test]
    fn refuses_too_many_entries() {
        let names: Vec<String> = (0..6).map(|i| format!("x/{i}.yaml")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        assert!(matches!(
            read(&zip_of(&entries), &SMALL),
            Err(BundleError::TooManyEntries(5))
        ));
    }

    #[test]
    fn refuses_what_is_declared_too_large() {
        let big = vec![b'a'; 1001];
        assert!(matches!(
            read(&zip_of(&[("x/big.yaml", &big)]), &SMALL),
            Err(BundleError::EntryTooLarge(..))
        ));
        let part = vec![b'a'; 900];
        let zip = zip_of(&[
            ("x/1.yaml", &part),
            ("x/2.yaml", &part),
            ("x/3.yaml", &part),
        ]);
        assert!(matches!(
            read(&zip, &SMALL),
            Err(BundleError::TooLarge(2500))
        ));
        // Declared large, actually small: refused on what it says.
        let mut zip = zip_of(&[("x/liar.yaml", b"tiny")]);
        declare_size(&mut zip, "x/liar.yaml", 5000);
        assert!(matches!(
            read(&zip, &SMALL),
            Err(BundleError::EntryTooLarge(..))
        ));
    }

    #[test]
    fn stops_inflating_at_the_limit_whatever_the_sizes_claim() {
        let bomb = vec![0u8; 100_000];
        let mut zip = zip_of(&[("x/bomb.yaml", &bomb)]);
        declare_size(&mut zip, "x/bomb.yaml", 10);
        assert!(matches!(
            read(&zip, &SMALL),
            Err(BundleError::EntryTooLarge(..))
        ));
        // Each entry under the limit as inflated, but not together.
        let part = vec![0u8; 900];
        let mut zip = zip_of(&[
            ("x/1.yaml", &part),
            ("x/2.yaml", &part),
            ("x/3.yaml", &part),
        ]);
        for name in ["x/1.yaml", "x/2.yaml", "x/3.yaml"] {
            declare_size(&mut zip, name, 1);
        }
        assert!(matches!(read(&zip, &SMALL), Err(BundleError::TooLarge(..))));
    }

    #[test]
    fn refuses_what_is_not_a_zip() {
        assert!(matches!(
            read(b"{\"not\": \"a zip\"}", &SMALL),
            Err(BundleError::NotAZip)
        ));
    }

    #[test]
    fn writes_under_one_folder() {
        let zip = write(
            "chart_export_1",
            &[("metadata.yaml".into(), "version: 1.0.0\n".into())],
        )
        .unwrap();
        let files = read(&zip, &Limits::DEFAULT).unwrap();
        assert_eq!(files["metadata.yaml"], b"version: 1.0.0\n");
    }
}
